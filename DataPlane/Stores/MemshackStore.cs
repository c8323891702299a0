using System.Buffers;
using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// The store a Memshack's gateway serves on one silo: the sharded store of the topology (shards,
/// replicas, nodes) the Memshack is served with, and, while it moves to another topology, the next
/// one as well.
/// <para>
/// During a move the current topology stays authoritative: reads go to it, and every write is
/// decided there first (so a key keeps one ordering replica and an <c>incr</c> loses nothing), then
/// mirrored into the next topology with the same version: a plain set or delete is sent again with
/// the version chosen for it, any other write copies the item as the current topology now holds it,
/// as an ordered write. Versions make the mirror safe in any order: a next replica keeps the newest
/// version it was given, whether by a mirror or by the copy of the shard that runs meanwhile
/// (<see cref="ShardMove"/>). Keys that keep their shard, where the next topology places it only on
/// nodes that hold it now, are not mirrored: the write already reached those replicas.
/// </para>
/// <para>
/// Every write passes the <see cref="Fence"/>. Starting a move and completing it each hold writes
/// for a moment and wait for those in flight, so no write is decided by one topology while another
/// gateway already uses the other; reads go on meanwhile.
/// </para>
/// </summary>
public sealed class MemshackStore : IAsyncCacheStore, ICacheStoreIntrospection, IDisposable
{
    private static readonly TimeSpan SwitchLease = TimeSpan.FromSeconds(5);

    private readonly CasClock _clock;
    private volatile Topologies _topologies;

    public MemshackStore(ShardedCacheStore current, CasClock clock)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _topologies = new Topologies(current, null, []);
    }

    /// <summary>Holds this gateway's writes (topology switches, snapshots).</summary>
    public WriteFence Fence { get; } = new();

    /// <summary>The authoritative topology's store.</summary>
    public ShardedCacheStore Current => _topologies.Current;

    /// <summary>The topology being moved to, or null.</summary>
    public ShardedCacheStore? Next => _topologies.Next;

    public int ItemSizeMax => Math.Min(Current.ItemSizeMax, Next?.ItemSizeMax ?? int.MaxValue);

    /// <summary>
    /// Starts mirroring writes into <paramref name="next"/>; returns once every write decided before
    /// without the mirror has finished, so a copy of the shards started afterwards misses none.
    /// </summary>
    /// <param name="unchanged">Per shard of the current topology: true when the next one places the shard only on nodes that hold it now.</param>
    public async Task BeginMoveAsync(ShardedCacheStore next, IReadOnlyList<bool> unchanged, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (unchanged.Count != Current.ShardCount)
        {
            throw new ArgumentException($"{unchanged.Count} shard flags for {Current.ShardCount} shards", nameof(unchanged));
        }
        await Fence.HoldAsync(SwitchLease, cancellationToken).ConfigureAwait(false);
        _topologies = new Topologies(Current, next, [.. unchanged]);
        Fence.Release();
    }

    /// <summary>Makes the next topology the current one and stops mirroring; the caller holds the fence (it is released here).</summary>
    public void CompleteMove()
    {
        Topologies topologies = _topologies;
        if (topologies.Next is not null)
        {
            _topologies = new Topologies(topologies.Next, null, []);
        }
        Fence.Release();
    }

    /// <summary>Stops mirroring and stays on the current topology.</summary>
    public void AbandonMove() => _topologies = new Topologies(Current, null, []);

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default)
    {
        if (!options.Mutates)
        {
            return _topologies.Current.GetAsync(key, value, options, cancellationToken);
        }
        // A read that changes the item (touch, vivify, lease) is a write.
        if (!Fence.TryEnter())
        {
            return HeldGetAsync(key, value, options, cancellationToken);
        }
        Topologies topologies = _topologies;
        if (topologies.Mirrors(key.Span))
        {
            return ExitAfter(MirroredReadAsync(topologies, key, value, options, cancellationToken));
        }
        return ExitAfter(topologies.Current.GetAsync(key, value, options, cancellationToken));
    }

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        if (!Fence.TryEnter())
        {
            return HeldStoreAsync(mode, key, value, flags, exptime, options, cancellationToken);
        }
        Topologies topologies = _topologies;
        if (topologies.Mirrors(key.Span))
        {
            return ExitAfter(MirroredStoreAsync(topologies, mode, key, value, flags, exptime, options, cancellationToken));
        }
        return ExitAfter(topologies.Current.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken));
    }

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        if (!Fence.TryEnter())
        {
            return HeldDeleteAsync(key, options, cancellationToken);
        }
        Topologies topologies = _topologies;
        if (topologies.Mirrors(key.Span))
        {
            return ExitAfter(MirroredDeleteAsync(topologies, key, options, cancellationToken));
        }
        return ExitAfter(topologies.Current.DeleteAsync(key, options, cancellationToken));
    }

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default)
    {
        if (!Fence.TryEnter())
        {
            return HeldArithmeticAsync(key, decrement, delta, options, cancellationToken);
        }
        Topologies topologies = _topologies;
        if (topologies.Mirrors(key.Span))
        {
            return ExitAfter(MirroredArithmeticAsync(topologies, key, decrement, delta, options, cancellationToken));
        }
        return ExitAfter(topologies.Current.ArithmeticAsync(key, decrement, delta, options, cancellationToken));
    }

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default)
    {
        if (!Fence.TryEnter())
        {
            return HeldTouchAsync(key, exptime, cancellationToken);
        }
        Topologies topologies = _topologies;
        if (topologies.Mirrors(key.Span))
        {
            return ExitAfter(MirroredTouchAsync(topologies, key, exptime, cancellationToken));
        }
        return ExitAfter(topologies.Current.TouchAsync(key, exptime, cancellationToken));
    }

    /// <summary>Flushes the current topology, and the next one during a move.</summary>
    public async ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Topologies topologies = _topologies;
            CacheResult result = await topologies.Current.FlushAsync(delaySeconds, cancellationToken).ConfigureAwait(false);
            if (topologies.Next is { } next)
            {
                await next.FlushAsync(delaySeconds, cancellationToken).ConfigureAwait(false);
            }
            return result;
        }
        finally
        {
            Fence.Exit();
        }
    }

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Current.GetStatsAsync(cancellationToken);

    public string MemoryName => Current.MemoryName;

    public IReadOnlyList<CacheSlabStats> GetSlabStats() => Current.GetSlabStats();

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key) => Current.DescribeRoute(key);

    public long? RepairedKeys => Current.RepairedKeys;

    public void Dispose() => Fence.Dispose();

    /// <summary>Leaves the fence when <paramref name="pending"/> completes; synchronous completions stay synchronous.</summary>
    private ValueTask<CacheResult> ExitAfter(ValueTask<CacheResult> pending)
    {
        if (pending.IsCompleted)
        {
            Fence.Exit();
            return pending;
        }
        return ExitWhenDoneAsync(pending);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> ExitWhenDoneAsync(ValueTask<CacheResult> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            Fence.Exit();
        }
    }

    private static async ValueTask<CacheResult> MirroredReadAsync(Topologies topologies, ReadOnlyMemory<byte> key, IBufferWriter<byte> value,
        CacheReadOptions options, CancellationToken cancellationToken)
    {
        CacheResult read = await topologies.Current.GetAsync(key, value, options, cancellationToken).ConfigureAwait(false);
        if (read.Status == CacheStatus.Ok)
        {
            await CopyKeyAsync(topologies.Current, topologies.Next!, key, cancellationToken).ConfigureAwait(false);
        }
        return read;
    }

    private async ValueTask<CacheResult> MirroredStoreAsync(Topologies topologies, CacheStoreMode mode, ReadOnlyMemory<byte> key,
        ReadOnlyMemory<byte> value, uint flags, long exptime, CacheWriteOptions options, CancellationToken cancellationToken)
    {
        ShardedCacheStore next = topologies.Next!;
        if (mode == CacheStoreMode.Set && options.CasIn == 0 && !options.Invalidate)
        {
            // A plain set: both topologies apply it as the same version, last writer wins.
            options = options with { CasNew = options.CasNew != 0 ? options.CasNew : _clock.Next() };
            CacheResult stored = await topologies.Current.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken).ConfigureAwait(false);
            if (stored.Status is CacheStatus.Ok or CacheStatus.Unavailable)
            {
                await next.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken).ConfigureAwait(false);
            }
            return stored;
        }
        CacheResult decided = await topologies.Current.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken).ConfigureAwait(false);
        if (decided.Status == CacheStatus.Ok)
        {
            await CopyKeyAsync(topologies.Current, next, key, cancellationToken).ConfigureAwait(false);
        }
        return decided;
    }

    private async ValueTask<CacheResult> MirroredDeleteAsync(Topologies topologies, ReadOnlyMemory<byte> key, CacheWriteOptions options,
        CancellationToken cancellationToken)
    {
        ShardedCacheStore next = topologies.Next!;
        if (options.Invalidate)
        {
            // md I keeps the item, marked stale with a new version: copy it.
            CacheResult marked = await topologies.Current.DeleteAsync(key, options, cancellationToken).ConfigureAwait(false);
            if (marked.Status == CacheStatus.Ok)
            {
                await CopyKeyAsync(topologies.Current, next, key, cancellationToken).ConfigureAwait(false);
            }
            return marked;
        }
        // The version the delete's tombstone gets in the current topology (a compared delete's is above
        // the compared CAS), so the next topology's tombstone orders the same against every write.
        ulong version = options.CasNew != 0 ? options.CasNew : _clock.Next();
        CacheResult deleted = await topologies.Current.DeleteAsync(key, options with { CasNew = version }, cancellationToken).ConfigureAwait(false);
        if (deleted.Status is CacheStatus.Ok or CacheStatus.NotFound or CacheStatus.Unavailable)
        {
            var tombstone = new CacheWriteOptions(CasNew: Math.Max(version, options.CasIn + 1), Ordered: true);
            await next.DeleteAsync(key, tombstone, cancellationToken).ConfigureAwait(false);
        }
        return deleted;
    }

    private async ValueTask<CacheResult> MirroredArithmeticAsync(Topologies topologies, ReadOnlyMemory<byte> key, bool decrement, ulong delta,
        CacheWriteOptions options, CancellationToken cancellationToken)
    {
        CacheResult counted = await topologies.Current.ArithmeticAsync(key, decrement, delta, options, cancellationToken).ConfigureAwait(false);
        if (counted.Status == CacheStatus.Ok)
        {
            await CopyKeyAsync(topologies.Current, topologies.Next!, key, cancellationToken).ConfigureAwait(false);
        }
        return counted;
    }

    private static async ValueTask<CacheResult> MirroredTouchAsync(Topologies topologies, ReadOnlyMemory<byte> key, long exptime,
        CancellationToken cancellationToken)
    {
        // A touch carries no version: it is sent to both. A copy of the shard racing it may leave the
        // next topology with the exptime from before the touch.
        CacheResult touched = await topologies.Current.TouchAsync(key, exptime, cancellationToken).ConfigureAwait(false);
        if (touched.Status == CacheStatus.Ok)
        {
            await topologies.Next!.TouchAsync(key, exptime, cancellationToken).ConfigureAwait(false);
        }
        return touched;
    }

    /// <summary>Copies the item as <paramref name="from"/> holds it into <paramref name="to"/>, as an ordered write of its version.</summary>
    private static async ValueTask CopyKeyAsync(ShardedCacheStore from, ShardedCacheStore to, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await from.GetAsync(key, value, default, cancellationToken).ConfigureAwait(false);
        if (read.Status != CacheStatus.Ok)
        {
            // Gone since: the delete that removed it was mirrored with its version.
            return;
        }
        var copy = new CacheWriteOptions(CasNew: read.Info.Cas, Stale: (read.Info.State & CacheItemState.Stale) != 0, Ordered: true);
        await to.StoreAsync(CacheStoreMode.Set, key, value.WrittenMemory, read.Info.Flags, read.Info.Exptime, copy, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheResult> HeldGetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options,
        CancellationToken cancellationToken)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        Fence.Exit();
        return await GetAsync(key, value, options, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheResult> HeldStoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags,
        long exptime, CacheWriteOptions options, CancellationToken cancellationToken)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        Fence.Exit();
        return await StoreAsync(mode, key, value, flags, exptime, options, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheResult> HeldDeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options, CancellationToken cancellationToken)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        Fence.Exit();
        return await DeleteAsync(key, options, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheResult> HeldArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options,
        CancellationToken cancellationToken)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        Fence.Exit();
        return await ArithmeticAsync(key, decrement, delta, options, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheResult> HeldTouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken)
    {
        await Fence.EnterAsync(cancellationToken).ConfigureAwait(false);
        Fence.Exit();
        return await TouchAsync(key, exptime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The topologies in use, swapped as a whole so an operation sees one consistent pair.</summary>
    private sealed record Topologies(ShardedCacheStore Current, ShardedCacheStore? Next, bool[] Unchanged)
    {
        /// <summary>True when a write to <paramref name="key"/> must also reach the next topology.</summary>
        public bool Mirrors(ReadOnlySpan<byte> key)
        {
            if (Next is null)
            {
                return false;
            }
            int shard = Current.ShardOf(key);
            return shard != Next.ShardOf(key) || !Unchanged[shard];
        }
    }
}

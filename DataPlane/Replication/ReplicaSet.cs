using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnemo.DataPlane;

/// <summary>
/// The replicas of one shard behind one <see cref="IAsyncCacheStore"/>.
/// <para>
/// Writes (store, delete, incr/decr, touch, flush) go to every replica concurrently and the reply is
/// decided after all have answered (mcrouter's AllSyncRoute). With <see cref="WriteQuorum.All"/> the
/// worst reply in mcrouter's severity order wins (<see cref="ReplySeverity"/>), so a replica that does
/// not answer fails the write with <see cref="CacheStatus.Unavailable"/> even though the others
/// applied it — exactly as AllSync answers. With <see cref="WriteQuorum.Majority"/> or
/// <see cref="WriteQuorum.One"/>, once that many replicas answered the worst of their replies wins
/// and each replica that did not answer gets a hint (the key) to be repaired when it is reachable.
/// </para>
/// <para>
/// Every replica applies the writes to a key in one order, whichever gateways they come from: a
/// key's versions are its CAS values, and replicas apply only versions newer than the one they hold
/// (last writer wins; a delete leaves a tombstone of its version). A plain set or delete gets its
/// version here (the silo's <see cref="CasClock"/>, unless the client gave one with E) and goes to
/// every replica at once. A write that depends on the item (add, cas, append, incr, ...) is decided
/// by the shard's ordering replica first and its result copied to the others
/// (<see cref="WriteThroughOrderingReplicaAsync"/>). So all replicas hold the same CAS for the same
/// version, and a <c>gets</c> answered by one matches a <c>cas</c> checked by another — mcrouter's
/// AllSync promises neither: each memcached picks its own CAS and applies writes as they arrive.
/// </para>
/// <para>
/// Reads follow mcrouter's LatestRoute: a preferred replica fixed per gateway, failing over to the
/// next replicas in order only on errors (unreachable, timeout, server failure), never on a miss.
/// The preferred replica is the gateway silo's own one (<see cref="ReplicaSetOptions.LocalReplica"/>)
/// when it holds one, otherwise the one a hash of the gateway's name picks, which spreads gateways
/// over the replicas. Reading the local copy saves a data-plane round trip per read, and is safe
/// because every replica holds the same CAS for the same version (above); mcrouter cannot do it, as
/// it runs beside, not inside, the servers it routes to. Replicas that are resyncing or need a
/// resync serve no reads (the next in order does); an unreachable replica serves only keys it did
/// not miss.
/// </para>
/// <para>
/// A replica marked <see cref="ReplicaState.NeedsResync"/> (new, restarted, or too many hints) copies
/// the shard from an in-sync peer (<see cref="ResyncAsync"/>) while receiving new writes; see
/// ReplicaSet.Resync.cs for how writes and deletes during the copy are kept.
/// </para>
/// </summary>
public sealed partial class ReplicaSet : IAsyncCacheStore
{
    private readonly ReplicaSlot[] _slots;
    private readonly ReplicaSetOptions _options;
    private readonly KeyLockStripes _locks;
    private readonly int _requiredAcks;
    private readonly ILogger _logger;

    public ReplicaSet(IReadOnlyList<IReplica> replicas, ReplicaSetOptions options, ILogger<ReplicaSet>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(options);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("a replica set needs at least one replica", nameof(replicas));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.HintCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ResyncChunkBytes);
        if (!ReplicaVersions.IsValidBucketCount(options.AntiEntropyBuckets))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"AntiEntropyBuckets must be 1 to {ReplicaVersions.MaxBuckets}");
        }
        _options = options;
        _slots = replicas.Select(r => new ReplicaSlot(r, options.HintCapacity)).ToArray();
        _locks = new KeyLockStripes(options.KeyLockStripes);
        _requiredAcks = options.WriteQuorum.RequiredAcks(_slots.Length);
        _logger = logger ?? NullLogger<ReplicaSet>.Instance;
        if (options.LocalReplica is { } local)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(local, nameof(options.LocalReplica));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(local, _slots.Length, nameof(options.LocalReplica));
        }
        PreferredIndex = options.LocalReplica ?? (int)(StableHash(options.GatewayName) % (uint)_slots.Length);
        ItemSizeMax = replicas.Min(r => r.ItemSizeMax);
    }

    public int ItemSizeMax { get; }

    /// <summary>The replica reads try first from this gateway: the local one if any, else the gateway name's hash choice.</summary>
    public int PreferredIndex { get; }

    public int Count => _slots.Length;

    public ReplicaState GetState(int index) => _slots[index].State;

    public IReplica GetReplica(int index) => _slots[index].Replica;

    public IReadOnlyList<ReplicaStatus> GetReplicaStatuses() =>
        _slots.Select((s, i) => new ReplicaStatus(s.Replica.Name, s.State, s.Hints.Count, i == PreferredIndex)).ToArray();

    /// <summary>Declares a replica new or restarted (its contents unknown): it serves nothing until <see cref="ResyncAsync"/> completes.</summary>
    public void MarkNeedsResync(int index)
    {
        ReplicaSlot slot = _slots[index];
        lock (slot.Gate)
        {
            slot.State = ReplicaState.NeedsResync;
            slot.Hints.Clear();
        }
    }

    /// <summary>
    /// A plain read follows LatestRoute, and so does a lease read (every mg) without T or N: a win (W of
    /// a stale item, or in the R window) only sets the token of the serving replica's item, which its
    /// engine decides under the key's own lock, ordered with every write that replica applies; writes
    /// reach each replica in version order, so the read sees the item before or after a concurrent
    /// write, as on one memcached. The stripe would order it only against this gateway's own writes in
    /// flight, never against another gateway's. A read that changes the item for every replica (touch,
    /// vivify) is a write for the shard: see <see cref="ReadForWriteAsync"/>.
    /// </summary>
    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default) =>
        options.Mutates ? ReadForWriteAsync(key, value, options, cancellationToken) : ReadLatestAsync(key, value, options, null, cancellationToken);

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        WriteAsync(ReplicaWrite.Store(mode, key, value, flags, exptime, options), cancellationToken);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        WriteAsync(ReplicaWrite.Delete(key, options), cancellationToken);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default) =>
        WriteAsync(ReplicaWrite.Arithmetic(key, decrement, delta, options), cancellationToken);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        FanOutAsync(ReplicaWrite.Touch(key, exptime), stripeHeld: false, skip: -1, cancellationToken);

    /// <summary>
    /// Flushes every replica; the worst reply wins whatever the quorum, because a flush cannot be
    /// hinted: a replica that missed it (or was resyncing) is marked <see cref="ReplicaState.NeedsResync"/>.
    /// </summary>
    public async ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default)
    {
        var pending = new ValueTask<CacheResult>[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            pending[i] = _slots[i].Replica.FlushAsync(delaySeconds, cancellationToken);
        }
        CacheResult worst = default;
        for (int i = 0; i < _slots.Length; i++)
        {
            CacheResult reply = await pending[i].ConfigureAwait(false);
            if (i == 0 || ReplySeverity.WorseThan(reply.Status, worst.Status))
            {
                worst = reply;
            }
            if (reply.Status == CacheStatus.Unavailable || _slots[i].State == ReplicaState.Resyncing)
            {
                MarkNeedsResync(i);
            }
        }
        return worst;
    }

    /// <summary>Stats of the first replica, in read order, that answers.</summary>
    public async ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        for (int k = 0; k < _slots.Length; k++)
        {
            ReplicaSlot slot = _slots[(PreferredIndex + k) % _slots.Length];
            if (slot.State is ReplicaState.InSync or ReplicaState.Unreachable)
            {
                (CacheStatus status, CacheStoreStats stats) = await slot.Replica.GetStatsAsync(cancellationToken).ConfigureAwait(false);
                if (status != CacheStatus.Unavailable)
                {
                    return (status, stats);
                }
            }
        }
        return (CacheStatus.Unavailable, default);
    }

    /// <summary>
    /// A read that may change the item, done as a write: under the key's stripe (so it is ordered with
    /// the writes to the key), on the replica reads go to. What it changed reaches the others:
    /// <list type="bullet">
    /// <item>a touch (gat, mg T) is fanned out as a touch;</item>
    /// <item>an item it created (mg N) is copied with the CAS this set chose for it, so every replica
    /// holds the same version;</item>
    /// <item>a win (W: mg N, or with T an mg R or the first mg of a stale item) is recorded on the
    /// serving replica only, as for lease reads that are not writes (<see cref="GetAsync"/>). If that
    /// replica fails, the next one never saw the token and hands out another win: two clients may
    /// recache the item once each, which a lease tolerates (memcached forgets tokens on a restart too).
    /// Copying the token would cost a write to every replica per won read.</item>
    /// </list>
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> ReadForWriteAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options,
        CancellationToken cancellationToken)
    {
        int stripe = await _locks.EnterAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            if (options.VivifyExptime.HasValue && options.CasNew == 0)
            {
                options = options with { CasNew = _options.CasClock.Next() };
            }
            var served = new ServedReplica();
            CacheResult read = await ReadLatestAsync(key, value, options, served, cancellationToken).ConfigureAwait(false);
            if (read.Status != CacheStatus.Ok)
            {
                return read;
            }
            if ((read.Info.State & CacheItemState.Vivified) != 0)
            {
                var copy = new CacheWriteOptions(CasNew: read.Info.Cas, Ordered: true);
                await FanOutAsync(ReplicaWrite.Store(CacheStoreMode.Set, key, ReadOnlyMemory<byte>.Empty, 0, read.Info.Exptime, copy),
                    stripeHeld: true, skip: served.Index, cancellationToken).ConfigureAwait(false);
            }
            else if (options.TouchExptime is { } exptime)
            {
                await FanOutAsync(ReplicaWrite.Touch(key, exptime), stripeHeld: true, skip: served.Index, cancellationToken).ConfigureAwait(false);
            }
            return read;
        }
        finally
        {
            _locks.Exit(stripe);
        }
    }

    /// <summary>Which replica answered a read (for the reads that are writes; plain reads pass none and allocate nothing).</summary>
    private sealed class ServedReplica
    {
        public int Index = -1;
    }

    /// <summary>LatestRoute: the reply of the first replica in read order that can answer; <paramref name="served"/> gets its index.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> ReadLatestAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options,
        ServedReplica? served, CancellationToken cancellationToken)
    {
        for (int k = 0; k < _slots.Length; k++)
        {
            int index = (PreferredIndex + k) % _slots.Length;
            ReplicaSlot slot = _slots[index];
            ReplicaState state = slot.State;
            if (!(state == ReplicaState.InSync || state == ReplicaState.Unreachable && !slot.Hints.Contains(key.Span)))
            {
                continue;
            }
            CacheResult reply = await slot.Replica.GetAsync(key, value, options, cancellationToken).ConfigureAwait(false);
            if (reply.Status == CacheStatus.Unavailable)
            {
                MarkUnreachable(index);
                continue;
            }
            if (state == ReplicaState.Unreachable)
            {
                ScheduleRepair();
            }
            if (served is not null)
            {
                served.Index = index;
            }
            return reply;
        }
        return CacheResult.Unavailable;
    }

    private ValueTask<CacheResult> WriteAsync(ReplicaWrite write, CancellationToken cancellationToken) =>
        write.IsWholeItem
            ? FanOutAsync(write.Ordered(_options.CasClock), stripeHeld: false, skip: -1, cancellationToken)
            : WriteThroughOrderingReplicaAsync(write, cancellationToken);

    /// <summary>
    /// A write whose outcome depends on the item (add, replace, append, prepend, cas, incr/decr, md I,
    /// a compare) is decided by the shard's ordering replica: the first in-sync one in replica order,
    /// the same for every gateway, so its engine orders the writes of all gateways to a key and an
    /// <c>incr</c> from two gateways at once loses nothing. Its new version is raised above the item's
    /// (<see cref="CacheWriteOptions.Advance"/>). Only when it applied the write do the others get the
    /// result: the item as the ordering replica now holds it, copied as an ordered write, so copies
    /// arriving out of order cannot roll a replica back. When the ordering replica does not answer,
    /// the next in-sync one decides.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> WriteThroughOrderingReplicaAsync(ReplicaWrite write, CancellationToken cancellationToken)
    {
        int stripe = await _locks.EnterAsync(write.Key, cancellationToken).ConfigureAwait(false);
        try
        {
            write = write.ForOrderingReplica(_options.CasClock);
            for (int orderer = 0; orderer < _slots.Length; orderer++)
            {
                if (_slots[orderer].State != ReplicaState.InSync)
                {
                    continue;
                }
                CacheResult decided = await write.SendTo(_slots[orderer].Replica, cancellationToken).ConfigureAwait(false);
                if (decided.Status == CacheStatus.Unavailable)
                {
                    MarkUnreachable(orderer);
                    continue;
                }
                if (decided.Status != CacheStatus.Ok)
                {
                    return decided;
                }
                return await PropagateAsync(write, orderer, decided, cancellationToken).ConfigureAwait(false);
            }
            return CacheResult.Unavailable;
        }
        finally
        {
            _locks.Exit(stripe);
        }
    }

    /// <summary>
    /// Brings every other replica to what <paramref name="orderer"/> holds after it applied
    /// <paramref name="write"/>: an ordered delete is sent as is (without its compare), anything else
    /// is copied from the ordering replica. A replica that does not answer gets a hint; the reply is
    /// <paramref name="decided"/> unless fewer replicas than the quorum have the write.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> PropagateAsync(ReplicaWrite write, int orderer, CacheResult decided, CancellationToken cancellationToken)
    {
        bool orderedDelete = write.Kind == ReplicaWriteKind.Delete && write.Options.Ordered;
        ReplicaWrite others = orderedDelete ? write.WithoutCompare() : write;
        int acks = 1;
        for (int i = 0; i < _slots.Length; i++)
        {
            ReplicaState state = _slots[i].State;
            if (i == orderer || state == ReplicaState.NeedsResync)
            {
                continue;
            }
            bool reached = orderedDelete
                ? (await others.SendTo(_slots[i].Replica, cancellationToken).ConfigureAwait(false)).Status != CacheStatus.Unavailable
                : await CopyKeyAsync(orderer, i, write.Key, deleteWhenAbsent: false, cancellationToken).ConfigureAwait(false) != CacheStatus.Unavailable;
            if (reached)
            {
                acks++;
            }
            else if (state != ReplicaState.Resyncing)
            {
                RecordHint(i, write.Key.Span, write.DeleteVersion);
            }
            else
            {
                FailResync(i, "could not copy a key written during resync");
            }
        }
        return acks >= _requiredAcks ? decided : CacheResult.Unavailable;
    }

    /// <summary>
    /// Sends a write to every replica under the key's stripe (entered here unless the caller holds it:
    /// one async frame per write instead of two) and decides the reply. A write that makes a new
    /// version gets its CAS here, once, so every replica stores the same one. Replica
    /// <paramref name="skip"/> (or none, -1) already has the write: it counts as having applied it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult> FanOutAsync(ReplicaWrite write, bool stripeHeld, int skip, CancellationToken cancellationToken)
    {
        int stripe = stripeHeld ? -1 : await _locks.EnterAsync(write.Key, cancellationToken).ConfigureAwait(false);
        int count = _slots.Length;
        ValueTask<CacheResult>[] pending = ArrayPool<ValueTask<CacheResult>>.Shared.Rent(count);
        CacheResult[] replies = ArrayPool<CacheResult>.Shared.Rent(count);
        ReplicaState[] states = ArrayPool<ReplicaState>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                states[i] = _slots[i].State;
                // A resyncing replica gets the key copied after the others applied the write (below), so a
                // write that depends on the old value (append, incr) cannot act on a copy not yet made.
                pending[i] = states[i] == ReplicaState.Resyncing || i == skip ? default : write.SendTo(_slots[i].Replica, cancellationToken);
            }
            for (int i = 0; i < count; i++)
            {
                replies[i] = states[i] == ReplicaState.Resyncing ? default
                    : i == skip ? new CacheResult(CacheStatus.Ok, Cas: write.Options.CasNew)
                    : await pending[i].ConfigureAwait(false);
                if (write.Options.Ordered && replies[i].Status == CacheStatus.Exists)
                {
                    // The replica holds a newer version: this write is ordered before it, as if applied and overwritten.
                    replies[i] = new CacheResult(CacheStatus.Ok, Cas: write.Options.CasNew);
                }
            }
            // A delete reaches a resyncing replica, and later one that missed it (its hint), with its version, so its tombstone
            // refuses an older copy arriving later.
            ulong deleteVersion = write.DeleteVersion;
            CacheResult reply = Decide(write.Key.Span, deleteVersion, states, replies, count, out int source);
            for (int i = 0; i < count; i++)
            {
                if (states[i] == ReplicaState.Resyncing
                    && await CopyKeyAsync(source, i, write.Key, deleteWhenAbsent: true, cancellationToken, deleteVersion).ConfigureAwait(false) == CacheStatus.Unavailable)
                {
                    FailResync(i, "could not copy a key written during resync");
                }
            }
            return reply;
        }
        finally
        {
            Array.Clear(pending, 0, count);
            ArrayPool<ValueTask<CacheResult>>.Shared.Return(pending);
            ArrayPool<CacheResult>.Shared.Return(replies);
            ArrayPool<ReplicaState>.Shared.Return(states);
            if (stripe >= 0)
            {
                _locks.Exit(stripe);
            }
        }
    }

    /// <summary>
    /// Picks the reply of a fan-out and records hints (of a delete: with its version, <paramref name="deleteVersion"/>).
    /// <paramref name="source"/> gets an in-sync replica that answered (for copying to resyncing replicas), or -1.
    /// </summary>
    private CacheResult Decide(ReadOnlySpan<byte> key, ulong deleteVersion, ReplicaState[] states, CacheResult[] replies, int count, out int source)
    {
        int acks = 0, worst = -1, worstAcked = -1;
        bool appliedSomewhere = false;
        source = -1;
        for (int i = 0; i < count; i++)
        {
            if (states[i] == ReplicaState.Resyncing)
            {
                continue;
            }
            CacheStatus status = replies[i].Status;
            if (states[i] == ReplicaState.NeedsResync && status != CacheStatus.Unavailable)
            {
                // Its contents are unknown, so its reply means nothing; it answers again: resync it in the background.
                ScheduleRepair();
                continue;
            }
            if (worst < 0 || ReplySeverity.WorseThan(status, replies[worst].Status))
            {
                worst = i;
            }
            if (status == CacheStatus.Unavailable)
            {
                continue;
            }
            appliedSomewhere = true;
            acks++;
            if (worstAcked < 0 || ReplySeverity.WorseThan(status, replies[worstAcked].Status))
            {
                worstAcked = i;
            }
            if (states[i] == ReplicaState.InSync && source < 0)
            {
                source = i;
            }
            if (states[i] == ReplicaState.Unreachable)
            {
                ScheduleRepair();
            }
        }
        if (appliedSomewhere)
        {
            for (int i = 0; i < count; i++)
            {
                if (states[i] != ReplicaState.Resyncing && replies[i].Status == CacheStatus.Unavailable)
                {
                    RecordHint(i, key, deleteVersion);
                }
            }
        }
        if (worst < 0)
        {
            // No replica is in a state to take the write.
            return CacheResult.Unavailable;
        }
        return acks >= _requiredAcks ? replies[worstAcked] : replies[worst];
    }

    /// <summary>
    /// The replica missed a write to <paramref name="key"/> (a delete of version <paramref name="deleteVersion"/>, or another
    /// write: 0): remember it, or give up on hints when the log is full.
    /// </summary>
    private void RecordHint(int index, ReadOnlySpan<byte> key, ulong deleteVersion)
    {
        ReplicaSlot slot = _slots[index];
        lock (slot.Gate)
        {
            if (slot.State is not (ReplicaState.InSync or ReplicaState.Unreachable))
            {
                return;
            }
            if (slot.State == ReplicaState.InSync)
            {
                LogUnreachable(slot.Replica.Name);
            }
            slot.State = ReplicaState.Unreachable;
            if (!slot.Hints.TryAdd(key, deleteVersion))
            {
                slot.State = ReplicaState.NeedsResync;
                slot.Hints.Clear();
                LogHintOverflow(slot.Replica.Name, slot.Hints.Capacity);
            }
        }
    }

    private void MarkUnreachable(int index)
    {
        ReplicaSlot slot = _slots[index];
        lock (slot.Gate)
        {
            if (slot.State == ReplicaState.InSync)
            {
                slot.State = ReplicaState.Unreachable;
                LogUnreachable(slot.Replica.Name);
            }
        }
    }

    private int FirstInSync(int except)
    {
        for (int k = 0; k < _slots.Length; k++)
        {
            int index = (PreferredIndex + k) % _slots.Length;
            if (index != except && _slots[index].State == ReplicaState.InSync)
            {
                return index;
            }
        }
        return -1;
    }

    private static uint StableHash(string name)
    {
        // FNV-1a over UTF-8: the same gateway name picks the same replica in every process.
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 16777619;
        }
        return hash;
    }

    private void LogUnreachable(string replica) =>
        _logger.LogWarning("Replica {Replica} did not answer; it serves no reads of the keys it misses until repaired", replica);

    private void LogHintOverflow(string replica, int capacity) =>
        _logger.LogWarning("Replica {Replica} missed more than {Capacity} keys; it needs a full resync", replica, capacity);
}

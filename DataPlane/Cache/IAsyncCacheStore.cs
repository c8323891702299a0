using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>
/// The cache a memcached gateway serves: memcached semantics over byte memory. One contract for a
/// region of the local engine, a Ch3-sharded store and a replicated shard whose calls cross the
/// network. Keys and values are memory the caller keeps alive until the returned task completes. A
/// local engine call completes synchronously and allocates nothing (callers check
/// <see cref="ValueTask{TResult}.IsCompletedSuccessfully"/> and carry on without awaiting); a remote
/// call completes when the peer answers. Failures to reach the data answer
/// <see cref="CacheStatus.Unavailable"/> rather than throw.
/// Exptimes follow memcached: 0 = never, up to 30 days = relative seconds, larger = absolute unix
/// time, negative = already expired. Implementations are thread-safe; stores that can describe their
/// layout also implement <see cref="ICacheStoreIntrospection"/>.
/// </summary>
public interface IAsyncCacheStore
{
    /// <summary>Largest item (key + value + overhead) accepted, in bytes.</summary>
    int ItemSizeMax { get; }

    /// <summary>
    /// Reads an item. On <see cref="CacheStatus.Ok"/> the value has been appended to
    /// <paramref name="value"/> (so a gateway can pass its output pipe; nothing with
    /// <see cref="CacheReadOptions.NoValue"/>) and the result's
    /// <see cref="CacheResult.Info"/> describes it; on any other status nothing was written. The
    /// store may ask <paramref name="value"/> for room more than once and may advance it in parts.
    /// <paramref name="options"/> adds touch (gat, mg T), vivify on a miss (mg N) and recache (mg R);
    /// <see cref="CacheItemInfo.State"/> reports the item's lease state and whether this read won or
    /// created it.
    /// </summary>
    ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores an item; the result carries the new CAS unique. <see cref="CacheWriteOptions.CasIn"/> is
    /// checked for <see cref="CacheStoreMode.Cas"/> and, when non-zero, for every other mode.
    /// </summary>
    ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes an item, or with <see cref="CacheWriteOptions.Invalidate"/> marks it stale (md I); a
    /// non-zero <see cref="CacheWriteOptions.CasIn"/> must match.
    /// </summary>
    ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// incr (wraps at 2^64) or decr (floors at 0); the result's <see cref="CacheResult.Number"/> is the
    /// new value. A non-zero <see cref="CacheWriteOptions.CasIn"/> must match (ma C).
    /// </summary>
    ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default);

    ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default);

    /// <summary>Invalidates every item stored before now + <paramref name="delaySeconds"/>.</summary>
    ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default);

    /// <summary>Usage counters; <see cref="CacheStatus.Unavailable"/> when the store cannot be reached.</summary>
    ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default);
}

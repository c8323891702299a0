using System.Buffers;

namespace Mnemo.Grains.Interfaces.Memshack;

/// <summary>
/// The operations of <see cref="ICacheStore"/> for stores whose calls may cross the network (a
/// replicated shard). Keys and values are memory the caller keeps alive until the returned task
/// completes. A local engine call completes synchronously and allocates nothing; a remote call
/// completes when the peer answers. Exptimes follow memcached (see <see cref="ICacheStore"/>).
/// Implementations are thread-safe.
/// </summary>
public interface IAsyncCacheStore
{
    /// <summary>Largest item (key + value + overhead) accepted, in bytes.</summary>
    int ItemSizeMax { get; }

    /// <summary>
    /// Reads an item. On <see cref="CacheStatus.Ok"/> the value has been appended to
    /// <paramref name="value"/> (so a gateway can pass its output pipe) and the result's
    /// <see cref="CacheResult.Info"/> describes it; on any other status nothing was written.
    /// </summary>
    ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="GetAsync"/>, and sets the item's exptime (get-and-touch).</summary>
    ValueTask<CacheResult> GetAndTouchAsync(ReadOnlyMemory<byte> key, long exptime, IBufferWriter<byte> value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores an item; the result carries the new CAS unique. <paramref name="casIn"/> is checked for
    /// <see cref="CacheStoreMode.Cas"/> and, when non-zero, for every other mode.
    /// </summary>
    ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime, ulong casIn,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes an item; a non-zero <paramref name="casIn"/> must match.</summary>
    ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, ulong casIn, CancellationToken cancellationToken = default);

    /// <summary>incr (wraps at 2^64) or decr (floors at 0); the result's <see cref="CacheResult.Number"/> is the new value.</summary>
    ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CancellationToken cancellationToken = default);

    ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default);

    /// <summary>Invalidates every item stored before now + <paramref name="delaySeconds"/>.</summary>
    ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default);

    /// <summary>Usage counters; <see cref="CacheStatus.Unavailable"/> when the store cannot be reached.</summary>
    ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default);
}

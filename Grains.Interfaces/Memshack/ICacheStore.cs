namespace Mnemo.Grains.Interfaces.Memshack;

/// <summary>
/// The cache a memcached gateway serves: memcached semantics over byte spans. Implementations are
/// thread-safe. Calls are synchronous because the local case is a direct engine call (a few hundred
/// nanoseconds) that must not allocate; a replicated store implements the same contract and hides
/// its replica fan-out (batched per peer) behind it.
/// Exptimes follow memcached: 0 = never, up to 30 days = relative seconds, larger = absolute unix
/// time, negative = already expired.
/// </summary>
public interface ICacheStore
{
    /// <summary>Largest item (key + value + overhead) accepted, in bytes.</summary>
    int ItemSizeMax { get; }

    /// <summary>
    /// Copies the value into <paramref name="value"/>. When it does not fit, returns
    /// <see cref="CacheStatus.BufferTooSmall"/> with <paramref name="info"/> filled (so an empty
    /// destination reads only the metadata).
    /// </summary>
    CacheStatus Get(ReadOnlySpan<byte> key, Span<byte> value, out CacheItemInfo info);

    /// <summary>As <see cref="Get"/>, and sets the item's exptime (get-and-touch).</summary>
    CacheStatus GetAndTouch(ReadOnlySpan<byte> key, long exptime, Span<byte> value, out CacheItemInfo info);

    /// <summary>
    /// Stores an item. <paramref name="casIn"/> is checked for <see cref="CacheStoreMode.Cas"/> and,
    /// when non-zero, for every other mode (the meta protocol's compare-and-swap).
    /// </summary>
    CacheStatus Store(CacheStoreMode mode, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags, long exptime, ulong casIn, out ulong cas);

    /// <summary>Deletes an item; a non-zero <paramref name="casIn"/> must match.</summary>
    CacheStatus Delete(ReadOnlySpan<byte> key, ulong casIn);

    /// <summary>incr (wraps at 2^64) or decr (floors at 0) a decimal value.</summary>
    CacheStatus Arithmetic(ReadOnlySpan<byte> key, bool decrement, ulong delta, out ulong value, out ulong cas);

    CacheStatus Touch(ReadOnlySpan<byte> key, long exptime);

    /// <summary>Invalidates every item stored before now + <paramref name="delaySeconds"/>.</summary>
    void Flush(long delaySeconds);

    CacheStoreStats GetStats();

    IReadOnlyList<CacheSlabStats> GetSlabStats();

    /// <summary>Where <paramref name="key"/> is routed (for <c>__mcrouter__.route</c> introspection).</summary>
    CacheRoute DescribeRoute(ReadOnlySpan<byte> key);
}

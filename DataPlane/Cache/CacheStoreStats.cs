namespace Mnemo.DataPlane;

/// <summary>Usage of a cache store, in memcached's terms (<c>curr_items</c>, <c>bytes</c>, ...).</summary>
public readonly record struct CacheStoreStats(
    ulong CurrentItems,
    ulong Bytes,
    ulong LimitMaxBytes,
    ulong Evictions,
    ulong Hits,
    ulong Misses);

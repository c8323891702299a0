using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.Grains.Memshack.Routing;

namespace Mnemo.Grains.Memshack.Stores;

/// <summary>
/// Splits the keyspace over shard stores with Ch3, as an mcrouter pool of the same size would: a key
/// goes to the same shard index under both. Whole-cache operations (flush, stats) visit every shard.
/// </summary>
public sealed class ShardedCacheStore : ICacheStore
{
    private readonly ICacheStore[] _shards;
    private readonly Ch3Router _router;

    public ShardedCacheStore(IReadOnlyList<ICacheStore> shards)
    {
        if (shards.Count == 0)
        {
            throw new ArgumentException("At least one shard is required.", nameof(shards));
        }
        _shards = shards.ToArray();
        _router = new Ch3Router(_shards.Length);
        ItemSizeMax = _shards.Min(s => s.ItemSizeMax);
    }

    public int ShardCount => _shards.Length;

    public int ItemSizeMax { get; }

    public ICacheStore ShardFor(ReadOnlySpan<byte> key) => _shards[_router.ShardOf(key)];

    public CacheStatus Get(ReadOnlySpan<byte> key, Span<byte> value, out CacheItemInfo info) =>
        ShardFor(key).Get(key, value, out info);

    public CacheStatus GetAndTouch(ReadOnlySpan<byte> key, long exptime, Span<byte> value, out CacheItemInfo info) =>
        ShardFor(key).GetAndTouch(key, exptime, value, out info);

    public CacheStatus Store(CacheStoreMode mode, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags, long exptime, ulong casIn, out ulong cas) =>
        ShardFor(key).Store(mode, key, value, flags, exptime, casIn, out cas);

    public CacheStatus Delete(ReadOnlySpan<byte> key, ulong casIn) => ShardFor(key).Delete(key, casIn);

    public CacheStatus Arithmetic(ReadOnlySpan<byte> key, bool decrement, ulong delta, out ulong value, out ulong cas) =>
        ShardFor(key).Arithmetic(key, decrement, delta, out value, out cas);

    public CacheStatus Touch(ReadOnlySpan<byte> key, long exptime) => ShardFor(key).Touch(key, exptime);

    public void Flush(long delaySeconds)
    {
        foreach (ICacheStore shard in _shards)
        {
            shard.Flush(delaySeconds);
        }
    }

    public CacheStoreStats GetStats()
    {
        ulong items = 0, bytes = 0, limit = 0, evictions = 0, hits = 0, misses = 0;
        foreach (ICacheStore shard in _shards)
        {
            CacheStoreStats s = shard.GetStats();
            items += s.CurrentItems;
            bytes += s.Bytes;
            limit += s.LimitMaxBytes;
            evictions += s.Evictions;
            hits += s.Hits;
            misses += s.Misses;
        }
        return new CacheStoreStats(items, bytes, limit, evictions, hits, misses);
    }

    public IReadOnlyList<CacheSlabStats> GetSlabStats() =>
        _shards.SelectMany(s => s.GetSlabStats())
            .GroupBy(s => (s.ClassId, s.ChunkSize))
            .Select(g => new CacheSlabStats(g.Key.ClassId, g.Key.ChunkSize, Sum(g, s => s.Pages), Sum(g, s => s.ChunksTotal), Sum(g, s => s.ChunksUsed), Sum(g, s => s.Evictions)))
            .OrderBy(s => s.ClassId)
            .ToArray();

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key)
    {
        int shard = _router.ShardOf(key);
        return new CacheRoute(shard, _shards.Length, _shards[shard].DescribeRoute(key).Replicas);
    }

    private static ulong Sum(IEnumerable<CacheSlabStats> stats, Func<CacheSlabStats, ulong> field) =>
        stats.Aggregate(0UL, (total, s) => total + field(s));
}

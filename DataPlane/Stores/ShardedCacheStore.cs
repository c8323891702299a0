using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>
/// Splits the keyspace over shard stores with Ch3, as an mcrouter pool of the same size would: a key
/// goes to the same shard index under both. A shard is any <see cref="IAsyncCacheStore"/> (an engine
/// region, a replica set); a key operation is handed to its shard's task unchanged, so a shard that
/// completes synchronously keeps the call synchronous and allocation-free. Whole-cache operations
/// (flush, stats) visit every shard.
/// </summary>
public sealed class ShardedCacheStore : IAsyncCacheStore, ICacheStoreIntrospection
{
    private readonly IAsyncCacheStore[] _shards;
    private readonly Ch3Router _router;

    public ShardedCacheStore(IReadOnlyList<IAsyncCacheStore> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
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

    public IAsyncCacheStore ShardFor(ReadOnlySpan<byte> key) => _shards[_router.ShardOf(key)];

    /// <summary>The index of the shard <paramref name="key"/> is routed to.</summary>
    public int ShardOf(ReadOnlySpan<byte> key) => _router.ShardOf(key);

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default) =>
        ShardFor(key.Span).GetAsync(key, value, options, cancellationToken);

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        ShardFor(key.Span).StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        ShardFor(key.Span).DeleteAsync(key, options, cancellationToken);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default) =>
        ShardFor(key.Span).ArithmeticAsync(key, decrement, delta, options, cancellationToken);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        ShardFor(key.Span).TouchAsync(key, exptime, cancellationToken);

    /// <summary>Flushes every shard (concurrently); Ok only when every shard flushed.</summary>
    public async ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default)
    {
        CacheResult[] results = await Task.WhenAll(_shards.Select(s => s.FlushAsync(delaySeconds, cancellationToken).AsTask())).ConfigureAwait(false);
        return results.FirstOrDefault(r => r.Status != CacheStatus.Ok, new CacheResult(CacheStatus.Ok));
    }

    /// <summary>The sum over every shard; <see cref="CacheStatus.Unavailable"/> (with the reachable shards' sum) when a shard cannot answer.</summary>
    public async ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        (CacheStatus Status, CacheStoreStats Stats)[] shards =
            await Task.WhenAll(_shards.Select(s => s.GetStatsAsync(cancellationToken).AsTask())).ConfigureAwait(false);
        ulong items = 0, bytes = 0, limit = 0, evictions = 0, hits = 0, misses = 0;
        CacheStatus status = CacheStatus.Ok;
        foreach ((CacheStatus shardStatus, CacheStoreStats s) in shards)
        {
            if (shardStatus != CacheStatus.Ok)
            {
                status = shardStatus;
                continue;
            }
            items += s.CurrentItems;
            bytes += s.Bytes;
            limit += s.LimitMaxBytes;
            evictions += s.Evictions;
            hits += s.Hits;
            misses += s.Misses;
        }
        return (status, new CacheStoreStats(items, bytes, limit, evictions, hits, misses));
    }

    /// <summary>The memories behind the shards, in shard order, each once.</summary>
    public string MemoryName => string.Join(",", Memories().Select(s => s.MemoryName));

    /// <summary>Slab classes summed over the memories behind the shards, each memory once (shards often share a node's pool).</summary>
    public IReadOnlyList<CacheSlabStats> GetSlabStats() =>
        Memories()
            .SelectMany(s => s.GetSlabStats())
            .GroupBy(s => (s.ClassId, s.ChunkSize))
            .Select(g => new CacheSlabStats(g.Key.ClassId, g.Key.ChunkSize, Sum(g, s => s.Pages), Sum(g, s => s.ChunksTotal), Sum(g, s => s.ChunksUsed), Sum(g, s => s.Evictions)))
            .OrderBy(s => s.ClassId)
            .ToArray();

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key)
    {
        int shard = _router.ShardOf(key);
        IReadOnlyList<string> replicas = _shards[shard] is ICacheStoreIntrospection introspection ? introspection.DescribeRoute(key).Replicas : [];
        return new CacheRoute(shard, _shards.Length, replicas);
    }

    /// <summary>Summed over the shards that have replicas; null when none has.</summary>
    public long? RepairedKeys =>
        _shards.OfType<ICacheStoreIntrospection>().Select(s => s.RepairedKeys).Where(r => r.HasValue).Aggregate((long?)null, (sum, r) => (sum ?? 0) + r);

    private IEnumerable<ICacheStoreIntrospection> Memories() =>
        _shards.OfType<ICacheStoreIntrospection>().Where(s => s.MemoryName.Length > 0).DistinctBy(s => s.MemoryName);

    private static ulong Sum(IEnumerable<CacheSlabStats> stats, Func<CacheSlabStats, ulong> field) =>
        stats.Aggregate(0UL, (total, s) => total + field(s));
}

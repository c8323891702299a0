using System.Buffers;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// A cache store over one region of this silo's engine pool: served alone by a gateway, as a shard
/// of a <see cref="ShardedCacheStore"/>, or as the local replica of a <see cref="ReplicaSet"/>. Every
/// operation is a direct engine call with the caller's memory that completes synchronously without
/// allocating; a read appends the value straight into the caller's buffer writer. Engine failures that
/// are not item outcomes (I/O, corruption, a pool already closed) answer
/// <see cref="CacheStatus.Unavailable"/>: a gateway answers SERVER_ERROR for that request and keeps the
/// connection, and a replica set fails over as for a dead peer.
/// </summary>
public sealed class EngineRegionStore : IReplica, ICacheStoreIntrospection, IDisposable
{
    private readonly EnginePool _pool;
    private readonly Region _region;
    private readonly RegionScanSessions _scans = new();
    private readonly CacheRoute _route;

    /// <param name="name">Names the store in routes, status and logs (e.g. <c>node-a/users-0</c>).</param>
    public EngineRegionStore(EnginePool pool, Region region, string name)
    {
        _pool = pool;
        _region = region;
        Name = name;
        ItemSizeMax = (int)pool.GetStats().ItemSizeMax;
        _route = new CacheRoute(0, 1, [name]);
    }

    public string Name { get; }

    public Region Region => _region;

    public int ItemSizeMax { get; }

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default)
    {
        try
        {
            EngineStatus status = _pool.Get(_region, key.Span, value, out ItemInfo info, EngineOutcomes.ToEngine(options));
            return new(new CacheResult(EngineOutcomes.ToCacheStatus(status), status == EngineStatus.Ok ? EngineOutcomes.ToInfo(info) : default));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        try
        {
            EngineStatus status = _pool.Store(_region, (StoreMode)mode, key.Span, value.Span, flags, exptime, out ulong cas, EngineOutcomes.ToEngine(options));
            return new(new CacheResult(EngineOutcomes.ToCacheStatus(status), Cas: cas));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        try
        {
            return new(new CacheResult(EngineOutcomes.ToCacheStatus(_pool.Delete(_region, key.Span, EngineOutcomes.ToEngine(options)))));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default)
    {
        try
        {
            WriteOptions engineOptions = EngineOutcomes.ToEngine(options);
            EngineStatus status = decrement
                ? _pool.Decrement(_region, key.Span, delta, out ulong value, out ulong cas, engineOptions)
                : _pool.Increment(_region, key.Span, delta, out value, out cas, engineOptions);
            return new(new CacheResult(EngineOutcomes.ToCacheStatus(status), Cas: cas, Number: value));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default)
    {
        try
        {
            return new(new CacheResult(EngineOutcomes.ToCacheStatus(_pool.Touch(_region, key.Span, exptime))));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default)
    {
        try
        {
            _pool.Flush(_region, delaySeconds);
            return new(new CacheResult(CacheStatus.Ok));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(CacheResult.Unavailable);
        }
    }

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return new((CacheStatus.Ok, ReadStats(_pool, _region)));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new((CacheStatus.Unavailable, default));
        }
    }

    /// <summary>
    /// A region's usage in memcached's terms. Regions share their pool's memory, so a region's
    /// limit_maxbytes is its even share of the pool's data capacity: summed over the shards of a cache
    /// it counts each pool once however many of its regions serve that cache.
    /// </summary>
    public static CacheStoreStats ReadStats(EnginePool pool, Region region)
    {
        RegionStats stats = pool.GetRegionStats(region);
        PoolStats poolStats = pool.GetStats();
        ulong share = poolStats.DataCapacity / Math.Max(1UL, poolStats.Regions);
        return new CacheStoreStats(stats.Items, stats.ItemBytes, share, stats.Evictions, stats.Hits, stats.Misses);
    }

    public async ValueTask<ReplicaScanChunk> ScanChunkAsync(ulong scanId, int maxChunkBytes, CancellationToken cancellationToken = default)
    {
        var items = new ArrayBufferWriter<byte>(Math.Max(maxChunkBytes, 1));
        try
        {
            (ulong id, bool done) = await _scans.ReadChunkAsync(_pool, _region, scanId, maxChunkBytes, items, cancellationToken).ConfigureAwait(false);
            return ReplicaScanChunk.Create(id, done, items.WrittenSpan);
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException or InvalidOperationException or KeyNotFoundException)
        {
            return ReplicaScanChunk.Failed(CacheStatus.Unavailable);
        }
    }

    public ValueTask<ReplicaVersions> ReadVersionsAsync(int buckets, ReadOnlyMemory<byte> listBuckets, CancellationToken cancellationToken = default)
    {
        try
        {
            var payload = new ArrayBufferWriter<byte>();
            (_, bool truncated) = ReplicaVersions.Write(_pool, _region, buckets, listBuckets.Span, payload);
            return new(ReplicaVersions.Read(payload.WrittenSpan, buckets, truncated));
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            return new(ReplicaVersions.Unavailable);
        }
    }

    public string MemoryName => _pool.Options.Path;

    /// <summary>The pool's slab classes: regions share them.</summary>
    public IReadOnlyList<CacheSlabStats> GetSlabStats() =>
        _pool.GetSlabStats().Select(s => new CacheSlabStats(s.ClassId, s.ChunkSize, s.Pages, s.ChunksTotal, s.ChunksUsed, s.Evictions)).ToArray();

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key) => _route;

    /// <summary>A single region has no replicas to repair.</summary>
    public long? RepairedKeys => null;

    public void Dispose() => _scans.Dispose();
}

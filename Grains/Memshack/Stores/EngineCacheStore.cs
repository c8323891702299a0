using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.NativeEngine;

namespace Mnemo.Grains.Memshack.Stores;

/// <summary>
/// A cache store over one region of a local engine pool: every call goes straight into the engine
/// with the caller's spans (no copies, no allocation). Engine failures that are not item outcomes
/// (I/O, corruption) become <see cref="CacheStatus.Unavailable"/> so the gateway answers SERVER_ERROR
/// for that request and keeps the connection.
/// </summary>
public sealed class EngineCacheStore : ICacheStore
{
    private readonly EnginePool _pool;
    private readonly Region _region;
    private readonly CacheRoute _route;

    public EngineCacheStore(EnginePool pool, Region region, string? replicaName = null)
    {
        _pool = pool;
        _region = region;
        ItemSizeMax = (int)_pool.GetStats().ItemSizeMax;
        _route = new CacheRoute(0, 1, replicaName is null ? [] : [replicaName]);
    }

    public Region Region => _region;

    public int ItemSizeMax { get; }

    public CacheStatus Get(ReadOnlySpan<byte> key, Span<byte> value, out CacheItemInfo info)
    {
        try
        {
            EngineStatus status = _pool.TryGet(_region, key, value, out _, out ItemInfo item);
            info = ToInfo(item);
            return ToCacheStatus(status);
        }
        catch (EngineException)
        {
            info = default;
            return CacheStatus.Unavailable;
        }
    }

    public CacheStatus GetAndTouch(ReadOnlySpan<byte> key, long exptime, Span<byte> value, out CacheItemInfo info)
    {
        try
        {
            EngineStatus status = _pool.TryGetAndTouch(_region, key, exptime, value, out _, out ItemInfo item);
            info = ToInfo(item);
            return ToCacheStatus(status);
        }
        catch (EngineException)
        {
            info = default;
            return CacheStatus.Unavailable;
        }
    }

    public CacheStatus Store(CacheStoreMode mode, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags, long exptime, ulong casIn, out ulong cas)
    {
        try
        {
            return ToCacheStatus(_pool.Store(_region, (StoreMode)mode, key, value, flags, exptime, casIn, out cas));
        }
        catch (EngineException)
        {
            cas = 0;
            return CacheStatus.Unavailable;
        }
    }

    public CacheStatus Delete(ReadOnlySpan<byte> key, ulong casIn)
    {
        try
        {
            return ToCacheStatus(_pool.Delete(_region, key, casIn));
        }
        catch (EngineException)
        {
            return CacheStatus.Unavailable;
        }
    }

    public CacheStatus Arithmetic(ReadOnlySpan<byte> key, bool decrement, ulong delta, out ulong value, out ulong cas)
    {
        try
        {
            EngineStatus status = decrement
                ? _pool.Decrement(_region, key, delta, out value, out cas)
                : _pool.Increment(_region, key, delta, out value, out cas);
            return ToCacheStatus(status);
        }
        catch (EngineException)
        {
            value = 0;
            cas = 0;
            return CacheStatus.Unavailable;
        }
    }

    public CacheStatus Touch(ReadOnlySpan<byte> key, long exptime)
    {
        try
        {
            return ToCacheStatus(_pool.Touch(_region, key, exptime));
        }
        catch (EngineException)
        {
            return CacheStatus.Unavailable;
        }
    }

    public void Flush(long delaySeconds) => _pool.Flush(_region, delaySeconds);

    public CacheStoreStats GetStats()
    {
        RegionStats region = _pool.GetRegionStats(_region);
        PoolStats pool = _pool.GetStats();
        return new CacheStoreStats(region.Items, region.ItemBytes, pool.DataCapacity, region.Evictions, region.Hits, region.Misses);
    }

    public IReadOnlyList<CacheSlabStats> GetSlabStats() =>
        _pool.GetSlabStats().Select(s => new CacheSlabStats(s.ClassId, s.ChunkSize, s.Pages, s.ChunksTotal, s.ChunksUsed, s.Evictions)).ToArray();

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key) => _route;

    private static CacheItemInfo ToInfo(in ItemInfo item) =>
        new(item.Flags, item.ValueLength, item.Exptime, item.Cas, item.LastAccess, item.Fetched);

    private static CacheStatus ToCacheStatus(EngineStatus status) => status switch
    {
        EngineStatus.Ok => CacheStatus.Ok,
        EngineStatus.NotFound => CacheStatus.NotFound,
        EngineStatus.Exists => CacheStatus.Exists,
        EngineStatus.NotStored => CacheStatus.NotStored,
        EngineStatus.TooLarge => CacheStatus.TooLarge,
        EngineStatus.NoMemory => CacheStatus.NoMemory,
        EngineStatus.NonNumeric => CacheStatus.NonNumeric,
        EngineStatus.BadKey => CacheStatus.BadKey,
        EngineStatus.BufferTooSmall => CacheStatus.BufferTooSmall,
        _ => CacheStatus.Unavailable,
    };
}

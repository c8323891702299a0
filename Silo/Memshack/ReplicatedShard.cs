using System.Buffers;
using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.Grains.Memshack.Replication;
using Mnemo.Grains.Memshack.Stores;

namespace Mnemo.Silo.Memshack;

/// <summary>
/// A shard's replica set as the gateway's sharded store sees it: cache operations pass straight to
/// the set; introspection names the shard's replicas (<c>__mcrouter__.route</c>) and reports the slab
/// usage of the replica held on this node, the only memory this silo can describe.
/// </summary>
public sealed class ReplicatedShard(ReplicaSet replicas, IReadOnlyList<string> replicaNames, EngineRegionStore? local)
    : IAsyncCacheStore, ICacheStoreIntrospection
{
    private readonly CacheRoute _route = new(0, 1, replicaNames);

    public int ItemSizeMax => replicas.ItemSizeMax;

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CancellationToken cancellationToken = default) =>
        replicas.GetAsync(key, value, cancellationToken);

    public ValueTask<CacheResult> GetAndTouchAsync(ReadOnlyMemory<byte> key, long exptime, IBufferWriter<byte> value,
        CancellationToken cancellationToken = default) =>
        replicas.GetAndTouchAsync(key, exptime, value, cancellationToken);

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        ulong casIn, CancellationToken cancellationToken = default) =>
        replicas.StoreAsync(mode, key, value, flags, exptime, casIn, cancellationToken);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, ulong casIn, CancellationToken cancellationToken = default) =>
        replicas.DeleteAsync(key, casIn, cancellationToken);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CancellationToken cancellationToken = default) =>
        replicas.ArithmeticAsync(key, decrement, delta, cancellationToken);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        replicas.TouchAsync(key, exptime, cancellationToken);

    public ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default) =>
        replicas.FlushAsync(delaySeconds, cancellationToken);

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default) =>
        replicas.GetStatsAsync(cancellationToken);

    public IReadOnlyList<CacheSlabStats> GetSlabStats() => local?.GetSlabStats() ?? [];

    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key) => _route;
}

using System.Buffers;

namespace Mnemo.DataPlane.Tests;

/// <summary>A replica that passes every call to <paramref name="inner"/>; test replicas override the calls they watch.</summary>
internal abstract class ForwardingReplica(IReplica inner) : IReplica
{
    public string Name => inner.Name;

    public int ItemSizeMax => inner.ItemSizeMax;

    public virtual ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        inner.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default) => inner.GetAsync(key, value, options, cancellationToken);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(key, options, cancellationToken);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default) => inner.ArithmeticAsync(key, decrement, delta, options, cancellationToken);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        inner.TouchAsync(key, exptime, cancellationToken);

    public ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default) => inner.FlushAsync(delaySeconds, cancellationToken);

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default) =>
        inner.GetStatsAsync(cancellationToken);

    public ValueTask<ReplicaScanChunk> ScanChunkAsync(ulong scanId, int maxChunkBytes, CancellationToken cancellationToken = default) =>
        inner.ScanChunkAsync(scanId, maxChunkBytes, cancellationToken);

    public ValueTask<ReplicaVersions> ReadVersionsAsync(int buckets, ReadOnlyMemory<byte> listBuckets, CancellationToken cancellationToken = default) =>
        inner.ReadVersionsAsync(buckets, listBuckets, cancellationToken);
}

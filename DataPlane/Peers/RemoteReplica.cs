using System.Buffers;
using System.Text;

namespace Mnemo.DataPlane;

/// <summary>
/// A replica held in a region of a peer silo, reached over that peer's <see cref="PeerConnection"/>
/// (which the replicas of every shard on that peer share). Cancellation tokens are not observed per
/// operation: an operation ends with its response, the connection failing, or the connection's
/// operation timeout, all of which answer promptly.
/// </summary>
public sealed class RemoteReplica : IReplica
{
    private readonly PeerConnection _peer;
    private readonly byte[] _region;

    public RemoteReplica(PeerConnection peer, string region, string name, int itemSizeMax)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrEmpty(region);
        _peer = peer;
        _region = Encoding.UTF8.GetBytes(region);
        Name = name;
        ItemSizeMax = itemSizeMax;
    }

    public string Name { get; }

    public int ItemSizeMax { get; }

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default) =>
        _peer.GetAsync(_region, key, value, options);

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        _peer.StoreAsync(_region, mode, key, value, flags, exptime, options);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        _peer.DeleteAsync(_region, key, options);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default) =>
        _peer.ArithmeticAsync(_region, key, decrement, delta, options);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        _peer.TouchAsync(_region, key, exptime);

    public ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default) =>
        _peer.FlushAsync(_region, delaySeconds);

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default) =>
        _peer.GetStatsAsync(_region);

    public async ValueTask<ReplicaScanChunk> ScanChunkAsync(ulong scanId, int maxChunkBytes, CancellationToken cancellationToken = default)
    {
        var items = new ArrayBufferWriter<byte>(Math.Max(maxChunkBytes, 1));
        (CacheStatus status, ulong id, bool done) = await _peer.ScanChunkAsync(_region, scanId, maxChunkBytes, items).ConfigureAwait(false);
        return status == CacheStatus.Ok ? ReplicaScanChunk.Create(id, done, items.WrittenSpan) : ReplicaScanChunk.Failed(status);
    }

    public async ValueTask<ReplicaVersions> ReadVersionsAsync(int buckets, ReadOnlyMemory<byte> listBuckets, CancellationToken cancellationToken = default)
    {
        var payload = new ArrayBufferWriter<byte>();
        (CacheStatus status, bool truncated) = await _peer.ReadVersionsAsync(_region, buckets, listBuckets, payload).ConfigureAwait(false);
        return status == CacheStatus.Ok ? ReplicaVersions.Read(payload.WrittenSpan, buckets, truncated) : ReplicaVersions.Unavailable;
    }
}

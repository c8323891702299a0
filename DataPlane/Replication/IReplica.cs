
namespace Mnemo.DataPlane;

/// <summary>
/// One copy of a shard: a region of the local engine, or a region on a peer silo reached over the
/// data plane. Operations that could not reach the copy answer <see cref="CacheStatus.Unavailable"/>
/// instead of throwing, so a replica set can fail over and record hints.
/// </summary>
public interface IReplica : IAsyncCacheStore
{
    /// <summary>Names the replica in status and logs (e.g. <c>node-b/users</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Reads the next chunk of a scan of the replica's items (scan id 0 starts one), for resync.
    /// A <paramref name="maxChunkBytes"/> of 0 abandons the scan.
    /// </summary>
    ValueTask<ReplicaScanChunk> ScanChunkAsync(ulong scanId, int maxChunkBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// The replica's bucket digests and the versions of the keys in the buckets
    /// <paramref name="listBuckets"/> marks (a bitmap; empty lists none), computed where the replica
    /// lives (see <see cref="ReplicaVersions"/>), for anti-entropy.
    /// </summary>
    ValueTask<ReplicaVersions> ReadVersionsAsync(int buckets, ReadOnlyMemory<byte> listBuckets, CancellationToken cancellationToken = default);
}

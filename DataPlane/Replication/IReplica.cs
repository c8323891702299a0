
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
}

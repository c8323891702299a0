namespace Mnemo.Grains.Interfaces;

/// <summary>
/// What a committed cluster snapshot holds: the Memshack (<c>namespace/name</c>), the topology it was
/// served with, and every replica's engine snapshot, all taken inside one write fence.
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.ClusterSnapshotManifest")]
public sealed record ClusterSnapshotManifest(string Memshack, MemshackTopology Topology, ReplicaSnapshot[] Replicas, DateTimeOffset TakenAt)
{
    /// <summary>Items of the snapshot: per shard, as its first replica holds them (the replicas hold the same).</summary>
    public long Items => FirstReplicas().Sum(r => r.Items);

    /// <summary>Item bytes, counted the same way.</summary>
    public long Bytes => FirstReplicas().Sum(r => r.Bytes);

    private IEnumerable<ReplicaSnapshot> FirstReplicas() => Replicas.GroupBy(r => r.Shard).Select(g => g.First());
}

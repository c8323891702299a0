namespace Mnemo.SnapshotFiles;

/// <summary>
/// What a cluster snapshot file says about where its items come from: the Memshack (<c>namespace/name</c>), the
/// snapshot (<c>namespace/name</c>), the topology it was served with, when the cut was taken and when exported.
/// </summary>
public sealed record ClusterSnapshotFileMetadata(string Memshack, string Snapshot, int Shards, int Replicas, string[] Nodes,
    DateTimeOffset TakenAt, DateTimeOffset ExportedAt);

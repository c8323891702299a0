namespace Mnemo.Grains.Interfaces;

/// <summary>
/// One replica's part of a cluster snapshot: the engine snapshot <paramref name="SnapshotId"/> (the
/// region's epoch when it was taken) of region <paramref name="Region"/> on <paramref name="Node"/>,
/// holding <paramref name="Items"/> items of <paramref name="Bytes"/> bytes.
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.ReplicaSnapshot")]
public sealed record ReplicaSnapshot(string Node, int Shard, string Region, ulong SnapshotId, long Items, long Bytes);

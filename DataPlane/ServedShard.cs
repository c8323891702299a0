
namespace Mnemo.DataPlane;

/// <summary>One shard as this silo serves it: its replica nodes (in replica order) and the set over them.</summary>
public sealed record ServedShard(int Index, IReadOnlyList<string> Nodes, ReplicaSet Replicas);

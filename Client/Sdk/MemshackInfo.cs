namespace Mnemo.Client;

/// <summary>A Memshack as the answering silo serves it.</summary>
/// <param name="Memshack">Its <c>namespace/name</c>.</param>
/// <param name="Shards">Its shard count.</param>
/// <param name="Replicas">Replicas per shard.</param>
/// <param name="MemcachedPort">The answering silo's memcached gateway port for it.</param>
/// <param name="InSync">True when every replica of every shard is in sync.</param>
public sealed record MemshackInfo(string Memshack, int Shards, int Replicas, int MemcachedPort, bool InSync);

/// <summary>A Memshack's shard map: each shard's replicas, in replica order.</summary>
public sealed record MemshackShardMap(MemshackInfo Memshack, IReadOnlyList<ShardReplicas> Shards);

/// <summary>The replicas of one shard, in replica order (the first in-sync one orders dependent writes).</summary>
public sealed record ShardReplicas(int Shard, IReadOnlyList<ReplicaState> Replicas);

/// <summary>One replica: its node, its condition (<c>InSync</c>, <c>Resyncing</c>, <c>Unreachable</c>, <c>NeedsResync</c>) and the keys it missed.</summary>
public sealed record ReplicaState(string Node, string Condition, int PendingHints)
{
    public bool InSync => Condition == "InSync";
}

namespace Mnemo.Grains.Interfaces;

/// <summary>A Memshack shard: its replicas and their states. From one silo it is that silo's view; the
/// shard grain merges the views of the silos holding replicas (worst state, most hints).</summary>
/// <param name="Memshack"><c>namespace/name</c>.</param>
/// <param name="Served">False when the silo asked serves no such shard.</param>
/// <param name="UnansweredNodes">Replica nodes whose silo did not answer (shard grain only).</param>
/// <param name="RepairedKeys">Keys anti-entropy repaired in the shard since the silos started (the shard grain sums the replica holders' counts).</param>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackShardStatus")]
public sealed record MemshackShardStatus(string Memshack, int Shard, bool Served, MemshackReplicaStatus[] Replicas, string[] UnansweredNodes,
    long RepairedKeys = 0)
{
    public static MemshackShardStatus NotServed(string memshack, int shard) => new(memshack, shard, false, [], []);
}

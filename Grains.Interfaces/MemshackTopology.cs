namespace Mnemo.Grains.Interfaces;

/// <summary>
/// How a Memshack is laid out over the cluster: its Ch3 shard count, the replicas of each shard and
/// the nodes they are placed over (the shard map follows from these and the Memshack's name).
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackTopology")]
public sealed record MemshackTopology(int Shards, int Replicas, string[] Nodes)
{
    public bool SameAs(MemshackTopology? other) =>
        other is not null && Shards == other.Shards && Replicas == other.Replicas && Nodes.SequenceEqual(other.Nodes, StringComparer.Ordinal);

    public override string ToString() => $"{Shards} shards x {Replicas} replicas over {string.Join(",", Nodes)}";
}

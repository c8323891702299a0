namespace Mnemo.Grains.Interfaces;

/// <summary>A Memshack's shards as the reconciler sees them.</summary>
/// <param name="Shards">The shards asked about.</param>
/// <param name="ReadyShards">Shards served with every replica in sync.</param>
/// <param name="Problems">One line per shard that is not ready, e.g. <c>shard 1: node-2 unreachable</c>.</param>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackReadiness")]
public sealed record MemshackReadiness(int Shards, int ReadyShards, string[] Problems)
{
    public bool Ready => Shards > 0 && ReadyShards == Shards;
}

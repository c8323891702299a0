namespace Mnemo.Grains.Interfaces;

/// <summary>What comparing the replicas of one Memshack shard found (<c>mnemo verify</c>).</summary>
/// <param name="Memshack"><c>namespace/name</c>.</param>
/// <param name="Served">False when no such shard is served.</param>
/// <param name="Replicas">The replica nodes, in replica order.</param>
/// <param name="UnreachableNodes">Replica nodes whose replica did not answer: not compared.</param>
/// <param name="DifferingKeys">Keys whose replicas hold different versions.</param>
/// <param name="Keys">Some of them (at most <see cref="MaxReportedKeys"/>), with each replica's version.</param>
/// <param name="Truncated">More keys may differ than one comparison could list.</param>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackShardVerification")]
public sealed record MemshackShardVerification(string Memshack, int Shard, bool Served, string[] Replicas, string[] UnreachableNodes,
    long DifferingKeys, MemshackDifferingKey[] Keys, bool Truncated)
{
    /// <summary>Differing keys reported by name per shard; all are counted.</summary>
    public const int MaxReportedKeys = 20;

    public static MemshackShardVerification NotServed(string memshack, int shard) => new(memshack, shard, false, [], [], 0, [], false);
}

/// <summary>A key whose replicas differ: per replica (in replica order) the CAS of the item it holds, null when it holds none or did not answer.</summary>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackDifferingKey")]
public sealed record MemshackDifferingKey(string Key, ulong?[] Versions);

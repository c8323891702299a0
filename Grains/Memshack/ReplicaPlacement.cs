using System.Text;
using Mnemo.Runtime;

namespace Mnemo.Grains.Memshack;

/// <summary>
/// Which nodes hold the replicas of a shard: rendezvous (highest-random-weight) hashing of
/// (memshack, shard, node name). Every silo computes the same answer from the same node list, in any
/// order; adding or removing a node moves only the replicas that node wins or held.
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>
    /// The <paramref name="replicas"/> distinct nodes of <paramref name="nodes"/> that hold shard
    /// <paramref name="shard"/> of <paramref name="memshack"/> (e.g. <c>namespace/name</c>), heaviest first.
    /// </summary>
    public static IReadOnlyList<string> NodesFor(string memshack, int shard, int replicas, IReadOnlyCollection<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(memshack);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(replicas);
        string[] distinct = nodes.Distinct(StringComparer.Ordinal).ToArray();
        if (replicas > distinct.Length)
        {
            throw new ArgumentException($"{replicas} replicas need {replicas} distinct nodes, only {distinct.Length} given", nameof(replicas));
        }
        // Ties (practically impossible over 64 bits) fall back to the name so the order stays total.
        return distinct
            .OrderByDescending(node => Weight(memshack, shard, node))
            .ThenBy(node => node, StringComparer.Ordinal)
            .Take(replicas)
            .ToArray();
    }

    /// <summary>The shard map: for every shard, its replica nodes.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ShardMap(string memshack, int shards, int replicas, IReadOnlyCollection<string> nodes) =>
        Enumerable.Range(0, shards).Select(shard => NodesFor(memshack, shard, replicas, nodes)).ToArray();

    private static ulong Weight(string memshack, int shard, string node)
    {
        byte[] input = Encoding.UTF8.GetBytes($"{memshack}\n{shard}\n{node}");
        ulong hash = ((ulong)MurmurHash3.Hash32(input, seed: 0x9747b28c) << 32) | MurmurHash3.Hash32(input, seed: 0x5bd1e995);
        return MurmurHash3.Mix64(hash);
    }
}

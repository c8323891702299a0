using System.Text;

namespace Mnemo.DataPlane;

/// <summary>
/// Which nodes hold the replicas of each shard: rendezvous (highest-random-weight) hashing of
/// (memshack, shard, node name) under a per-node capacity, so every node holds
/// ⌊replicas·shards/nodes⌋ or ⌈replicas·shards/nodes⌉ replicas. Every silo computes the same map from
/// the same node list, in any order; a node added or removed moves about its share of replicas.
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>
    /// The shard map of <paramref name="memshack"/> (e.g. <c>namespace/name</c>): for every shard, its
    /// <paramref name="replicas"/> distinct nodes of <paramref name="nodes"/>, heaviest first.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> ShardMap(string memshack, int shards, int replicas, IReadOnlyCollection<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(memshack);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(replicas);
        string[] distinct = nodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (replicas > distinct.Length)
        {
            throw new ArgumentException($"{replicas} replicas need {replicas} distinct nodes, only {distinct.Length} given", nameof(replicas));
        }

        int[] capacity = Capacities(memshack, shards * replicas, distinct);
        var members = new List<int>[shards];
        for (int shard = 0; shard < shards; shard++)
            members[shard] = new List<int>(replicas);

        // Global greedy: the heaviest (shard, node) pairs win first, each node up to its capacity. A
        // node's pairs keep their weights whatever else joins, which is what keeps movement small.
        var pairs = new List<(ulong Weight, int Shard, int Node)>(shards * distinct.Length);
        for (int shard = 0; shard < shards; shard++)
        {
            for (int node = 0; node < distinct.Length; node++)
                pairs.Add((Weight(memshack, shard.ToString(System.Globalization.CultureInfo.InvariantCulture), distinct[node]), shard, node));
        }
        // Ties (practically impossible over 64 bits) fall back to shard and name order so the order stays total.
        pairs.Sort((a, b) => b.Weight != a.Weight ? b.Weight.CompareTo(a.Weight) : a.Shard != b.Shard ? a.Shard.CompareTo(b.Shard) : a.Node.CompareTo(b.Node));
        int[] load = new int[distinct.Length];
        foreach ((_, int shard, int node) in pairs)
        {
            if (members[shard].Count < replicas && load[node] < capacity[node])
            {
                members[shard].Add(node);
                load[node]++;
            }
        }

        // The greedy pass can leave a shard short when only nodes it already uses have room left; an
        // earlier shard then hands one of its nodes over and takes the node with room instead.
        for (int shard = 0; shard < shards; shard++)
        {
            while (members[shard].Count < replicas)
            {
                HandOver(members, shard, load, capacity);
            }
        }

        var map = new IReadOnlyList<string>[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            string shardName = shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
            map[shard] = members[shard]
                .Select(node => distinct[node])
                .OrderByDescending(node => Weight(memshack, shardName, node))
                .ThenBy(node => node, StringComparer.Ordinal)
                .ToArray();
        }
        return map;
    }

    /// <summary>
    /// Replicas each node may hold: ⌊total/N⌋, plus one for the <c>total mod N</c> nodes heaviest for
    /// the memshack as a whole, so the capacities add up to exactly <paramref name="total"/>.
    /// </summary>
    private static int[] Capacities(string memshack, int total, string[] nodes)
    {
        int[] capacity = new int[nodes.Length];
        Array.Fill(capacity, total / nodes.Length);
        int[] byWeight = Enumerable.Range(0, nodes.Length)
            .OrderByDescending(node => Weight(memshack, "*", nodes[node]))
            .ThenBy(node => node)
            .ToArray();
        for (int i = 0; i < total % nodes.Length; i++)
            capacity[byWeight[i]]++;
        return capacity;
    }

    private static void HandOver(List<int>[] members, int shortShard, int[] load, int[] capacity)
    {
        for (int roomy = 0; roomy < load.Length; roomy++)
        {
            if (load[roomy] >= capacity[roomy])
                continue;
            for (int other = 0; other < members.Length; other++)
            {
                if (other == shortShard || members[other].Contains(roomy))
                    continue;
                foreach (int given in members[other])
                {
                    if (!members[shortShard].Contains(given))
                    {
                        members[other][members[other].IndexOf(given)] = roomy;
                        members[shortShard].Add(given);
                        load[roomy]++;
                        return;
                    }
                }
            }
        }
        throw new InvalidOperationException("no balanced placement found"); // Unreachable while replicas <= nodes.
    }

    private static ulong Weight(string memshack, string shard, string node)
    {
        byte[] input = Encoding.UTF8.GetBytes($"{memshack}\n{shard}\n{node}");
        ulong hash = ((ulong)MurmurHash3.Hash32(input, seed: 0x9747b28c) << 32) | MurmurHash3.Hash32(input, seed: 0x5bd1e995);
        return MurmurHash3.Mix64(hash);
    }
}

using Mnemo.Grains.Memshack;
using Xunit;

namespace Mnemo.Cluster.Tests.Memshack;

public sealed class ReplicaPlacementTests
{
    private static readonly string[] ThreeNodes = ["node-0", "node-1", "node-2"];
    private static readonly string[] TenNodes = Enumerable.Range(0, 10).Select(i => $"node-{i}").ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Replicas_of_a_shard_are_on_distinct_configured_nodes(int replicas)
    {
        for (int shard = 0; shard < 50; shard++)
        {
            IReadOnlyList<string> nodes = ReplicaPlacement.NodesFor("default/sample", shard, replicas, ThreeNodes);
            Assert.Equal(replicas, nodes.Count);
            Assert.Equal(replicas, nodes.Distinct().Count());
            Assert.All(nodes, node => Assert.Contains(node, ThreeNodes));
        }
    }

    [Fact]
    public void Placement_is_the_same_whatever_the_order_of_the_node_list()
    {
        string[] reversed = [.. TenNodes.Reverse()];
        string[] shuffled = [.. TenNodes.OrderBy(n => n.GetHashCode())];
        for (int shard = 0; shard < 100; shard++)
        {
            IReadOnlyList<string> expected = ReplicaPlacement.NodesFor("default/sample", shard, 3, TenNodes);
            Assert.Equal(expected, ReplicaPlacement.NodesFor("default/sample", shard, 3, reversed));
            Assert.Equal(expected, ReplicaPlacement.NodesFor("default/sample", shard, 3, shuffled));
        }
    }

    [Fact]
    public void Different_memshacks_and_shards_spread_over_every_node()
    {
        var load = TenNodes.ToDictionary(n => n, _ => 0);
        foreach (string memshack in new[] { "default/a", "default/b", "team/c" })
        {
            foreach (IReadOnlyList<string> nodes in ReplicaPlacement.ShardMap(memshack, 200, 2, TenNodes))
            {
                foreach (string node in nodes)
                    load[node]++;
            }
        }
        // 1200 replicas over 10 nodes: 120 each on average; hashing keeps every node well within 50%.
        Assert.All(load.Values, count => Assert.InRange(count, 60, 180));
    }

    [Fact]
    public void Adding_a_node_moves_only_replicas_onto_that_node()
    {
        string[] before = TenNodes[..9];
        int moved = 0;
        for (int shard = 0; shard < 300; shard++)
        {
            var old = ReplicaPlacement.NodesFor("default/sample", shard, 2, before).ToHashSet();
            var now = ReplicaPlacement.NodesFor("default/sample", shard, 2, TenNodes).ToHashSet();
            var gained = now.Except(old).ToArray();
            Assert.True(gained.Length == 0 || gained.SequenceEqual(["node-9"]), $"shard {shard} gained {string.Join(",", gained)}");
            Assert.True(old.Except(now).Count() == gained.Length);
            moved += gained.Length;
        }
        // The new node takes about its share (2/10 of 300 shards = 60 replicas), not a reshuffle.
        Assert.InRange(moved, 30, 90);
    }

    [Fact]
    public void Removing_a_node_moves_only_the_replicas_it_held()
    {
        string[] after = [.. TenNodes.Where(n => n != "node-4")];
        for (int shard = 0; shard < 300; shard++)
        {
            IReadOnlyList<string> old = ReplicaPlacement.NodesFor("default/sample", shard, 3, TenNodes);
            IReadOnlyList<string> now = ReplicaPlacement.NodesFor("default/sample", shard, 3, after);
            var kept = old.Where(n => n != "node-4").ToArray();
            Assert.Equal(kept, now.Take(kept.Length));
            Assert.Equal(old.Contains("node-4") ? 1 : 0, now.Except(old).Count());
        }
    }

    [Fact]
    public void More_replicas_than_nodes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ReplicaPlacement.NodesFor("default/sample", 0, 4, ThreeNodes));
        Assert.Contains("4 replicas need 4 distinct nodes", error.Message);
    }
}

using Xunit;
using Xunit.Abstractions;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

public sealed class ReplicaPlacementTests(ITestOutputHelper output)
{
    private static readonly string[] ThreeNodes = ["node-0", "node-1", "node-2"];
    private static readonly string[] TenNodes = Enumerable.Range(0, 10).Select(i => $"node-{i}").ToArray();

    [Fact]
    public void Three_shards_of_two_replicas_put_two_replicas_on_each_of_three_nodes()
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap("default/sample", 3, 2, ThreeNodes);
        Assert.All(ThreeNodes, node => Assert.Equal(2, map.Count(shard => shard.Contains(node))));
    }

    [Fact]
    public void Every_node_holds_its_floor_or_ceiling_share_and_replicas_of_a_shard_are_distinct()
    {
        foreach (string memshack in new[] { "default/sample", "default/a", "team/c" })
        {
            for (int nodeCount = 1; nodeCount <= 7; nodeCount++)
            {
                string[] nodes = TenNodes[..nodeCount];
                for (int replicas = 1; replicas <= nodeCount; replicas++)
                {
                    for (int shards = 1; shards <= 12; shards++)
                    {
                        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(memshack, shards, replicas, nodes);
                        Assert.Equal(shards, map.Count);
                        Assert.All(map, shard =>
                        {
                            Assert.Equal(replicas, shard.Count);
                            Assert.Equal(replicas, shard.Distinct().Count());
                            Assert.All(shard, node => Assert.Contains(node, nodes));
                        });
                        int floor = replicas * shards / nodeCount;
                        int ceiling = (replicas * shards + nodeCount - 1) / nodeCount;
                        foreach (string node in nodes)
                        {
                            int held = map.Count(shard => shard.Contains(node));
                            Assert.True(held >= floor && held <= ceiling,
                                $"{memshack} {shards}x{replicas} on {nodeCount} nodes: {node} holds {held}, expected {floor}..{ceiling}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Placement_is_the_same_whatever_the_order_of_the_node_list_and_differs_between_memshacks()
    {
        string[] reversed = [.. TenNodes.Reverse()];
        string[] shuffled = [.. TenNodes.OrderBy(n => n.GetHashCode())];
        IReadOnlyList<IReadOnlyList<string>> expected = ReplicaPlacement.ShardMap("default/sample", 100, 3, TenNodes);
        Assert.Equal(expected, ReplicaPlacement.ShardMap("default/sample", 100, 3, reversed));
        Assert.Equal(expected, ReplicaPlacement.ShardMap("default/sample", 100, 3, shuffled));
        Assert.Equal(expected, ReplicaPlacement.ShardMap("default/sample", 100, 3, [.. TenNodes, "node-0"]));
        Assert.NotEqual(expected, ReplicaPlacement.ShardMap("default/other", 100, 3, TenNodes));
    }

    [Fact]
    public void Adding_a_node_moves_little_more_than_its_share()
    {
        const int shards = 300;
        IReadOnlyList<IReadOnlyList<string>> before = ReplicaPlacement.ShardMap("default/sample", shards, 2, TenNodes[..9]);
        IReadOnlyList<IReadOnlyList<string>> after = ReplicaPlacement.ShardMap("default/sample", shards, 2, TenNodes);
        int moved = Moved(before, after);
        int ontoNewNode = after.Count(shard => shard.Contains("node-9"));
        // The new node must take its share (600 / 10); anything beyond that is churn between old nodes.
        Assert.Equal(60, ontoNewNode);
        output.WriteLine($"adding a 10th node: {moved} of 600 replicas moved, {ontoNewNode} onto the new node");
        Assert.InRange(moved, ontoNewNode, 2 * ontoNewNode);
    }

    [Fact]
    public void Removing_a_node_moves_little_more_than_what_it_held()
    {
        const int shards = 300;
        string[] after = [.. TenNodes.Where(n => n != "node-4")];
        IReadOnlyList<IReadOnlyList<string>> before = ReplicaPlacement.ShardMap("default/sample", shards, 3, TenNodes);
        IReadOnlyList<IReadOnlyList<string>> now = ReplicaPlacement.ShardMap("default/sample", shards, 3, after);
        int held = before.Count(shard => shard.Contains("node-4"));
        Assert.Equal(90, held);
        int moved = Moved(before, now);
        output.WriteLine($"removing 1 of 10 nodes: {moved} of 900 replicas moved, {held} held by the removed node");
        Assert.InRange(moved, held, 2 * held);
    }

    [Fact]
    public void More_replicas_than_nodes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ReplicaPlacement.ShardMap("default/sample", 3, 4, ThreeNodes));
        Assert.Contains("4 replicas need 4 distinct nodes", error.Message);
    }

    /// <summary>Replicas that live on a node in <paramref name="after"/> that did not hold them in <paramref name="before"/>.</summary>
    private static int Moved(IReadOnlyList<IReadOnlyList<string>> before, IReadOnlyList<IReadOnlyList<string>> after) =>
        before.Zip(after, (old, now) => now.Except(old).Count()).Sum();
}

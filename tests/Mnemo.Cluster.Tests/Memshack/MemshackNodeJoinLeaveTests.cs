using System.Text;
using System.Text.Json;
using Mnemo.Client;
using Mnemo.DataPlane;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// A Memshack's placement follows the cluster's known nodes: a silo starting for the first time registers
/// its node and takes its share of replicas, filled by the copy before it serves them; a node whose
/// registration an operator deletes (kubectl) after stopping its silo has its replicas placed on the
/// others, copied from in-sync replicas. Only the shards whose replica nodes change are copied, as the
/// rendezvous shard map predicts.
/// </summary>
public sealed class MemshackNodeJoinLeaveTests(ITestOutputHelper output)
{
    private const string Memshack = CacheMemshack.Memshack;
    private static readonly string[] ThreeNodes = ["node-0", "node-1", "node-2"];
    private static readonly string[] FourNodes = ["node-0", "node-1", "node-2", "node-3"];

    [Fact]
    public async Task A_fourth_node_starting_for_the_first_time_takes_its_share_under_load_with_no_miss_and_no_lost_write()
    {
        await using var cluster = await TestCluster.StartAsync(4, (i, settings) => settings with { MemshackPortOffset = i }, started: 3);
        int port = MemshackCluster.FreePortRange(4);
        await CacheMemshack.ApplyAsync(cluster, port, (3, 2));
        await WaitUntilPlacedOverAsync(cluster, ThreeNodes);
        await CacheMemshack.PreloadAsync(cluster, port);

        var load = new MemshackLoad(port, gateways: [0, 1, 2]);
        await cluster.StartNodeAsync(3);
        JsonElement move = await WaitUntilPlacedOverAsync(cluster, FourNodes);
        await load.StopAsync();

        Assert.Equal(ThreeNodes, Nodes(move.GetProperty("from")));
        Assert.Equal(FourNodes, Nodes(move.GetProperty("to")));
        HashSet<int> changed = AssertMovedShareIsPredicted(move, ThreeNodes, FourNodes, "node-3", load.Possible.Keys);

        Assert.Equal(0, load.FailedReads);
        Assert.True(load.Reads > 0 && load.Possible.Count > 0, "the load ran");
        // Read back through the new node's gateway: every acknowledged write is there.
        await load.AssertHeldAsync(port + 3, gateways: 3);
        await AssertReplicasIdenticalAsync(cluster, FourNodes, changed);
        await AssertRegionsFollowTheMapAsync(cluster, FourNodes, FourNodes);
    }

    [Fact]
    public async Task A_joining_node_killed_while_its_replicas_are_copied_comes_back_and_the_join_completes_losing_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(4, (i, settings) => settings with { MemshackPortOffset = i }, started: 3);
        int port = MemshackCluster.FreePortRange(4);
        await CacheMemshack.ApplyAsync(cluster, port, (3, 2));
        await WaitUntilPlacedOverAsync(cluster, ThreeNodes);
        await CacheMemshack.PreloadAsync(cluster, port);

        var load = new MemshackLoad(port, gateways: [0, 1, 2]);
        await cluster.StartNodeAsync(3);
        string? phase = null;
        await cluster.WaitUntilAsync(async () => (phase = await CacheMemshack.MovePhaseAsync(cluster)) is "Copying" or "Switching" or "Cleaning" or "Done",
            TimeSpan.FromSeconds(60), "the join to start copying");
        Assert.Equal("Copying", phase);
        await cluster.KillAsync(3);
        await cluster.RestartAsync(3);
        JsonElement move = await WaitUntilPlacedOverAsync(cluster, FourNodes);
        await load.StopAsync();
        output.WriteLine($"join with node-3 killed while copying: {move.GetProperty("message").GetString()}");

        Assert.Equal(0, load.FailedReads);
        await load.AssertHeldAsync(port + 3, gateways: 3);
        await AssertReplicasIdenticalAsync(cluster, FourNodes, []);
    }

    [Fact]
    public async Task A_node_removed_with_kubectl_has_its_replicas_placed_on_the_others_with_their_data()
    {
        await using var cluster = await TestCluster.StartAsync(4, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(4);
        await CacheMemshack.ApplyAsync(cluster, port, (3, 2));
        await WaitUntilPlacedOverAsync(cluster, FourNodes);
        await CacheMemshack.PreloadAsync(cluster, port);

        // Stopped but still known: it keeps its replicas.
        await cluster.StopAsync(3);
        await cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(60));
        Assert.Equal(FourNodes, await TopologyNodesAsync(cluster));

        var deleted = await CliRunner.KubectlAsync(cluster.Kubeconfig, "delete", "mnemonode", "node-3");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        JsonElement move = await WaitUntilPlacedOverAsync(cluster, ThreeNodes);

        Assert.Equal(FourNodes, Nodes(move.GetProperty("from")));
        HashSet<int> changed = AssertMovedShareIsPredicted(move, FourNodes, ThreeNodes, "node-3", []);
        for (int gateway = 0; gateway < 3; gateway++)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + gateway);
            for (int k = gateway; k < CacheMemshack.Preloaded; k += gateway == 0 ? 1 : 7)
                Assert.Equal($"v{k}", await client.GetAsync($"pre-{k}"));
        }
        await AssertReplicasIdenticalAsync(cluster, ThreeNodes, changed);
        await AssertRegionsFollowTheMapAsync(cluster, ThreeNodes, ThreeNodes);
    }

    [Fact]
    public async Task A_registered_node_that_never_becomes_active_is_left_out_after_the_grace_period_and_the_status_names_it()
    {
        await using var cluster = await TestCluster.StartAsync(3,
            (i, settings) => settings with { MemshackPortOffset = i, NodeJoinGrace = TimeSpan.FromSeconds(10) });
        int port = MemshackCluster.FreePortRange(3);
        await CacheMemshack.ApplyAsync(cluster, port, (3, 2));
        await WaitUntilPlacedOverAsync(cluster, ThreeNodes);

        // node-3 is registered as a silo's first start does, but no silo of it ever starts.
        string registration = Path.Combine(Path.GetDirectoryName(cluster.Kubeconfig)!, "node-3.yaml");
        await File.WriteAllTextAsync(registration, """
            apiVersion: mnemo.dev/v1alpha1
            kind: MnemoNode
            metadata:
              namespace: default
              name: node-3
            spec:
              node: node-3
              ordinal: 3
            """);
        var registered = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", registration);
        Assert.True(registered.ExitCode == 0, registered.Stderr);
        JsonElement leftOut = await WaitForPlacementAsync(cluster, "NodesLeftOut");
        Assert.Equal(["node-3"], leftOut.GetProperty("leftOut").EnumerateArray().Select(n => n.GetString()!).ToArray());
        output.WriteLine($"status.placement: {leftOut}");

        // A shard change is not held back by it: the Memshack moves over the nodes that run.
        await CacheMemshack.ApplyAsync(cluster, port, (4, 2));
        await CacheMemshack.WaitUntilMovedAsync(cluster, (4, 2));
        Assert.Equal(ThreeNodes, await TopologyNodesAsync(cluster));

        // Its registration deleted, nothing is left out any more.
        var deleted = await CliRunner.KubectlAsync(cluster.Kubeconfig, "delete", "mnemonode", "node-3");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        await WaitForPlacementAsync(cluster, null);
    }

    /// <summary>Waits until <c>status.placement.reason</c> is <paramref name="reason"/> (null: no placement notice); the notice.</summary>
    private static async Task<JsonElement> WaitForPlacementAsync(TestCluster cluster, string? reason)
    {
        JsonElement placement = default;
        await cluster.WaitUntilAsync(async () =>
        {
            var got = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshack", "cache", "-o", "json");
            if (got.ExitCode != 0)
                return false;
            using JsonDocument document = JsonDocument.Parse(got.Stdout);
            bool has = document.RootElement.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("placement", out placement)
                && placement.ValueKind == JsonValueKind.Object;
            placement = has ? placement.Clone() : default;
            return reason is null ? !has : has && placement.GetProperty("reason").GetString() == reason;
        }, TimeSpan.FromSeconds(120), reason is null ? "the placement notice to be removed" : $"status.placement.reason {reason}");
        return placement;
    }

    /// <summary>
    /// The replicas that moved are the ones the rendezvous shard map moves, about the changed node's share;
    /// only the shards whose replica nodes changed were copied (every item of them: the preloaded keys, and
    /// at most the keys the load wrote). Returns those shards.
    /// </summary>
    private HashSet<int> AssertMovedShareIsPredicted(JsonElement move, string[] before, string[] after, string changedNode, IEnumerable<string> written)
    {
        IReadOnlyList<IReadOnlyList<string>> from = ReplicaPlacement.ShardMap(Memshack, 3, 2, before);
        IReadOnlyList<IReadOnlyList<string>> to = ReplicaPlacement.ShardMap(Memshack, 3, 2, after);
        var changed = Enumerable.Range(0, 3).Where(s => !to[s].All(from[s].Contains)).ToHashSet();
        int movedReplicas = Enumerable.Range(0, 3).Sum(s => to[s].Count(n => !from[s].Contains(n)));
        // The changed node's share of the 6 replicas: what it takes when joining, what it held when leaving.
        int share = (after.Contains(changedNode) ? to : from).Count(s => s.Contains(changedNode));
        output.WriteLine($"{string.Join(",", before)} -> {string.Join(",", after)}: {movedReplicas} of 6 replicas moved, {changedNode}'s share {share}, shards copied {string.Join(",", changed)}");
        int withNode = Math.Max(before.Length, after.Length);
        Assert.InRange(share, 6 / withNode, (6 + withNode - 1) / withNode);
        Assert.InRange(movedReplicas, share, 2 * share);
        Assert.NotEmpty(changed);

        var router = new Ch3Router(3);
        int preloaded = Enumerable.Range(0, CacheMemshack.Preloaded).Count(k => changed.Contains(router.ShardOf(CacheMemshack.Key(k))));
        int live = written.Count(key => changed.Contains(router.ShardOf(Encoding.UTF8.GetBytes(key))));
        long copied = move.GetProperty("keysCopied").GetInt64(), scanned = move.GetProperty("keysScanned").GetInt64();
        output.WriteLine($"keys copied {copied}, scanned {scanned}; preloaded keys in the copied shards {preloaded}, load keys there {live}; {move.GetProperty("message").GetString()}");
        Assert.Equal(0, move.GetProperty("keysMoved").GetInt64());
        Assert.Equal(scanned, copied);
        Assert.InRange(copied, preloaded, preloaded + live + 3);
        return changed;
    }

    /// <summary>Every replica of every shard holds the same items (value, flags, CAS, stale mark), the preloaded keys among them.</summary>
    private static async Task AssertReplicasIdenticalAsync(TestCluster cluster, string[] nodes, HashSet<int> changed)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(Memshack, 3, 2, nodes);
        var router = new Ch3Router(3);
        for (int shard = 0; shard < 3; shard++)
        {
            SortedDictionary<string, string>[] replicas = await Task.WhenAll(map[shard].Select(node =>
                MemshackCluster.ReadReplicaItemsAsync(cluster, MemshackCluster.NodeIndex(node), Memshack, shard)));
            string[] differing = replicas.SelectMany(r => r.Keys).Distinct().Where(key => replicas.Select(r => r.GetValueOrDefault(key)).Distinct().Count() > 1)
                .Take(5).ToArray();
            Assert.True(differing.Length == 0, $"shard {shard}{(changed.Contains(shard) ? " (copied)" : "")} on {string.Join(",", map[shard])}: replicas differ at {string.Join(", ", differing)}");
            int expected = Enumerable.Range(0, CacheMemshack.Preloaded).Count(k => router.ShardOf(CacheMemshack.Key(k)) == shard);
            Assert.Equal(expected, replicas[0].Keys.Count(k => k.StartsWith("pre-", StringComparison.Ordinal)));
        }
    }

    /// <summary>Each running node holds exactly the regions of the Memshack the shard map places on it: those it lost are dropped.</summary>
    private static async Task AssertRegionsFollowTheMapAsync(TestCluster cluster, string[] nodes, string[] running)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(Memshack, 3, 2, nodes);
        await using MnemoClient client = await cluster.ConnectAsync();
        foreach (string node in running)
        {
            string[] expected = Enumerable.Range(0, 3).Where(s => map[s].Contains(node)).Select(s => MemshackCluster.Region(Memshack, s)).ToArray();
            string[] held = (await client.GetNodeUsageAsync(node)).Regions.Select(r => r.Name)
                .Where(n => n.StartsWith("memshack.default.cache.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, held);
        }
    }

    /// <summary>Waits until the status records the Memshack served (no move under way) over <paramref name="nodes"/>; the last move's record.</summary>
    private static async Task<JsonElement> WaitUntilPlacedOverAsync(TestCluster cluster, string[] nodes)
    {
        JsonElement move = default;
        await cluster.WaitUntilAsync(async () =>
        {
            var got = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshack", "cache", "-o", "json");
            if (got.ExitCode != 0)
                return false;
            using JsonDocument document = JsonDocument.Parse(got.Stdout);
            if (!document.RootElement.TryGetProperty("status", out JsonElement status) || status.GetProperty("phase").GetString() != "Serving"
                || !Nodes(status.GetProperty("topology")).SequenceEqual(nodes))
                return false;
            move = status.TryGetProperty("move", out JsonElement recorded) ? recorded.Clone() : default;
            return true;
        }, TimeSpan.FromSeconds(180), $"the Memshack to be served over {string.Join(", ", nodes)}");
        return move;
    }

    private static async Task<string[]> TopologyNodesAsync(TestCluster cluster)
    {
        var got = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshack", "cache", "-o", "jsonpath={.status.topology.nodes[*]}");
        Assert.True(got.ExitCode == 0, got.Stderr);
        return got.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string[] Nodes(JsonElement topology) => topology.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()!).ToArray();
}

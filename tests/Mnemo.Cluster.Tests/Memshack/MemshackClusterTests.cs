using System.Diagnostics;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Xunit;
using Xunit.Abstractions;
using Mnemo.Tests.Shared;
using static Mnemo.Cluster.Tests.MemshackCluster;
using Mnemo.DataPlane;

namespace Mnemo.Cluster.Tests;

/// <summary>Memshacks served by three silo processes: every gateway serves every key, each key lives
/// on its shard's two replica nodes, and a killed silo's replicas fail over, hold writes back by
/// quorum and resync when it returns. Each test runs its own cluster.</summary>
public sealed class MemshackClusterTests(ITestOutputHelper output)
{
    private static readonly string[] Keys = Enumerable.Range(0, 30).Select(i => $"user:{i}").ToArray();

    [Fact]
    public async Task Every_gateway_serves_every_key_from_its_two_replica_nodes_and_passes_memccapable()
    {
        await using MemshackCluster memshacks = await StartAsync();
        Assert.Contains("spec.num_replicas: 4 replicas need 4 distinct nodes, but only 3 are available", memshacks.Cluster.Log);

        await using (MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, 0)))
        {
            foreach (string key in Keys)
                Assert.Equal("STORED", await node0.SetAsync(key, "value of " + key));
        }
        foreach (int node in new[] { 1, 2 })
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, node));
            foreach (string key in Keys)
                Assert.Equal("value of " + key, await client.GetAsync(key));
        }

        var shardNodes = new Dictionary<int, int[]>();
        await using (MemcachedTextClient node1 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, 1)))
        {
            foreach (string key in Keys)
            {
                (int shard, string[] replicas) = await node1.RouteAsync(key);
                int[] nodes = replicas.Select(NodeIndex).ToArray();
                Assert.Equal(2, nodes.Distinct().Count());
                Assert.All(replicas, r => Assert.EndsWith("/" + Region(Strict, shard), r));
                shardNodes[shard] = nodes;
                for (int node = 0; node < 3; node++)
                {
                    string? held = await memshacks.ReadReplicaAsync(node, Strict, shard, key);
                    Assert.Equal(nodes.Contains(node) ? "value of " + key : null, held);
                }
            }
        }
        Assert.Equal(3, shardNodes.Count);
        foreach ((int shard, int[] nodes) in shardNodes)
        {
            MemshackShardStatus status = await memshacks.ShardStatusAsync(Strict, shard);
            Assert.Equal(nodes.Select(n => $"node-{n}"), status.Replicas.Select(r => r.Node));
            Assert.All(status.Replicas, r => Assert.Equal(ReplicaStateNames.InSync, r.State));
        }

        foreach (string flag in new[] { "-a", "-b" })
        {
            var watch = Stopwatch.StartNew();
            await ExternalTools.AssertMemccapablePassesAsync(memshacks.GatewayPort(Strict, 0), flag);
            output.WriteLine($"memccapable {flag}: {watch.ElapsedMilliseconds} ms");
        }
    }

    [Fact]
    public async Task A_killed_silo_fails_reads_over_holds_back_quorum_all_writes_and_resyncs_when_restarted()
    {
        await using MemshackCluster memshacks = await StartAsync();
        string[] memshackNames = [Strict, Lenient];
        var routes = new Dictionary<(string, string), (int Shard, int[] Nodes)>();
        foreach (string memshack in memshackNames)
        {
            await using MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 0));
            foreach (string key in Keys)
            {
                Assert.Equal("STORED", await node0.SetAsync(key, "v1 " + key));
                (int shard, string[] replicas) = await node0.RouteAsync(key);
                routes[(memshack, key)] = (shard, replicas.Select(NodeIndex).ToArray());
            }
        }

        await memshacks.Cluster.KillAsync(2);

        var watch = Stopwatch.StartNew();
        foreach (string memshack in memshackNames)
        {
            await using MemcachedTextClient survivor = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 0));
            foreach (string key in Keys)
                Assert.Equal("v1 " + key, await survivor.GetAsync(key));
        }
        output.WriteLine($"reads of {2 * Keys.Length} keys through node-0 after kill -9 of node-2: {watch.ElapsedMilliseconds} ms");

        int heldBack = 0;
        await using (MemcachedTextClient strict = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, 0)))
        {
            foreach (string key in Keys)
            {
                string reply = await strict.SetAsync(key, "v2 " + key);
                if (routes[(Strict, key)].Nodes.Contains(2))
                {
                    Assert.StartsWith("SERVER_ERROR", reply);
                    heldBack++;
                }
                else
                {
                    Assert.Equal("STORED", reply);
                }
            }
        }
        Assert.InRange(heldBack, 1, Keys.Length - 1);
        await using (MemcachedTextClient lenient = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, 0)))
        {
            foreach (string key in Keys)
                Assert.Equal("STORED", await lenient.SetAsync(key, "v2 " + key));
        }

        await memshacks.Cluster.RestartAsync(2);
        await memshacks.Cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(30));
        watch.Restart();
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        output.WriteLine($"node-2 ready to every replica in sync: {watch.ElapsedMilliseconds} ms");

        // Quorum-all writes answered SERVER_ERROR were still applied by the replica that answered, so every
        // replica ends with v2 (the write that failed on the dead node is repaired, not lost or half-kept).
        foreach (string memshack in memshackNames)
        {
            await using MemcachedTextClient node2 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 2));
            foreach (string key in Keys)
            {
                (int shard, int[] nodes) = routes[(memshack, key)];
                foreach (int node in nodes)
                    Assert.Equal("v2 " + key, await memshacks.ReadReplicaAsync(node, memshack, shard, key));
                Assert.Equal("v2 " + key, await node2.GetAsync(key));
            }
        }
    }
}

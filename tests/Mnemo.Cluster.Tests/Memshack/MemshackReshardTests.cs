using System.Text.Json;
using Mnemo.Client;
using Mnemo.DataPlane;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// A Memshack's shard and replica counts changed with the machine's kubectl while memcached clients
/// write and read it through every gateway: the silos move the data live. Keys written before never
/// miss, acknowledged writes survive, every replica of the final topology holds the same items, the
/// keys moved are the ones Ch3 moves, and replicas no longer placed on a node are dropped there.
/// </summary>
public sealed class MemshackReshardTests
{
    private const string Memshack = CacheMemshack.Memshack;
    private const int Preloaded = CacheMemshack.Preloaded;

    [Fact]
    public async Task Shards_3_5_2_and_replicas_2_3_1_change_under_load_with_no_miss_and_no_lost_write()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(3);
        (int Shards, int Replicas)[] topologies = [(3, 2), (5, 2), (2, 3), (2, 1)];
        await CacheMemshack.ApplyAsync(cluster, port, topologies[0]);
        await CacheMemshack.WaitUntilMovedAsync(cluster, topologies[0]);
        await CacheMemshack.PreloadAsync(cluster, port);

        var load = new MemshackLoad(port, gateways: [0, 1, 2]);
        for (int t = 1; t < topologies.Length; t++)
        {
            await CacheMemshack.ApplyAsync(cluster, port, topologies[t]);
            JsonElement move = await CacheMemshack.WaitUntilMovedAsync(cluster, topologies[t]);
            long moved = move.GetProperty("keysMoved").GetInt64(), scanned = move.GetProperty("keysScanned").GetInt64();
            double predicted = ShareChangingShard(topologies[t - 1].Shards, topologies[t].Shards);
            // Fewer replicas of the same shards: every shard stays on nodes that hold it, so nothing is scanned or moved.
            bool kept = topologies[t].Shards == topologies[t - 1].Shards && topologies[t].Replicas < topologies[t - 1].Replicas;
            Assert.True(kept ? scanned == 0 && moved == 0 : Math.Abs(moved / (double)scanned - predicted) <= 0.01,
                $"{topologies[t - 1]} -> {topologies[t]}: {moved} of {scanned} keys moved, Ch3 moves {predicted:P1}");
            await AssertReplicasAsync(cluster, topologies[t]);
        }
        await load.StopAsync();

        Assert.Equal(0, load.FailedReads);
        Assert.True(load.Reads > 0 && load.Possible.Count > 0, "the load ran");
        await load.AssertHeldAsync(port + 1, gateways: 3);

        // Replicas no longer placed on a node are dropped there: 2 shards x 1 replica leave two regions in the cluster.
        await using MnemoClient client = await cluster.ConnectAsync();
        int regions = 0;
        foreach (var node in cluster.Settings)
            regions += (await client.GetNodeUsageAsync(node.NodeName)).Regions.Count(r => r.Name.StartsWith("memshack.default.cache.", StringComparison.Ordinal));
        Assert.Equal(2, regions);
    }

    [Fact]
    public async Task A_move_resumes_after_a_silo_is_killed_in_the_middle_and_loses_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(3);
        await CacheMemshack.ApplyAsync(cluster, port, (3, 2));
        await CacheMemshack.WaitUntilMovedAsync(cluster, (3, 2));
        await CacheMemshack.PreloadAsync(cluster, port);

        // node-2 is killed: the load uses the other two gateways.
        var load = new MemshackLoad(port, gateways: [0, 1]);
        await CacheMemshack.ApplyAsync(cluster, port, (5, 2));
        string? phase = null;
        await cluster.WaitUntilAsync(async () => (phase = await CacheMemshack.MovePhaseAsync(cluster)) is "Copying" or "Switching" or "Cleaning" or "Done",
            TimeSpan.FromSeconds(60), "the move to start copying");
        Assert.Equal("Copying", phase);
        await cluster.KillAsync(2);
        await cluster.RestartAsync(2);
        JsonElement move = await CacheMemshack.WaitUntilMovedAsync(cluster, (5, 2));
        await load.StopAsync();

        Assert.Equal(0, load.FailedReads);
        Assert.True(move.GetProperty("keysMoved").GetInt64() > 0);
        await AssertReplicasAsync(cluster, (5, 2));
        try
        {
            await load.AssertHeldAsync(port + 2, gateways: 2);
        }
        catch (IOException e)
        {
            // The restarted node's gateway dropped the connection: what its silo logged says why.
            string[] tail = cluster.Log.Split(Environment.NewLine).Where(l => l.Contains("[node-2]", StringComparison.Ordinal)).TakeLast(60).ToArray();
            throw new InvalidOperationException($"node-2's gateway dropped the connection; its last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}", e);
        }
    }

    /// <summary>Share of the preloaded keys whose Ch3 shard differs between the two shard counts.</summary>
    private static double ShareChangingShard(int from, int to)
    {
        Ch3Router before = new(from), after = new(to);
        return Enumerable.Range(0, Preloaded).Count(k => before.ShardOf(CacheMemshack.Key(k)) != after.ShardOf(CacheMemshack.Key(k))) / (double)Preloaded;
    }

    /// <summary>Every replica of the keys' shards in <paramref name="topology"/> holds the value last acknowledged (read on the replicas directly).</summary>
    private static async Task AssertReplicasAsync(TestCluster cluster, (int Shards, int Replicas) topology)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(Memshack, topology.Shards, topology.Replicas,
            cluster.Settings.Select(s => s.NodeName).ToArray());
        var router = new Ch3Router(topology.Shards);
        for (int k = 0; k < Preloaded; k += 97)
        {
            int shard = router.ShardOf(CacheMemshack.Key(k));
            foreach (string node in map[shard])
                Assert.Equal($"v{k}", await MemshackCluster.ReadReplicaAsync(cluster, MemshackCluster.NodeIndex(node), Memshack, shard, $"pre-{k}"));
        }
    }
}

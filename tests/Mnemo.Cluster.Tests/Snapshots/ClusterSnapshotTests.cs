using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Mnemo.Client;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Cluster snapshots of a Memshack served by three silo processes, asked for through ClusterSnapshot and
/// ClusterSnapshotRestore resources in the Kubernetes API: exact restores, a consistent cut under writes on
/// every gateway, and a replica's silo killed with kill -9 during a create.
/// </summary>
public sealed class ClusterSnapshotTests
{
    private static readonly string[] Finished = [ClusterSnapshotStatus.Committed, ClusterSnapshotStatus.Failed];
    private static readonly string[] RestoreFinished = [ClusterSnapshotRestoreStatus.Restored, ClusterSnapshotRestoreStatus.Failed];

    [Fact]
    public async Task A_restore_brings_every_replica_back_to_the_snapshot_exactly_also_after_a_silo_restart()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        const string memshack = MemshackCluster.Strict;
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 0)))
        {
            for (int i = 0; i < 300; i++)
                Assert.Equal("STORED", await client.CommandAsync($"set key-{i} {i % 7} 0 {$"value-{i}".Length}\r\nvalue-{i}"));
        }
        Dictionary<string, SortedDictionary<string, string>> taken = await CaptureAsync(memshacks, memshack);

        await api.CreateAsync("exact", memshack);
        JsonElement status = await api.WaitForPhaseAsync("clustersnapshots", "exact", Finished);
        Assert.True(status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, status.ToString());
        Assert.Equal(300, status.GetProperty("items").GetInt64());
        Assert.Equal(3, status.GetProperty("shardsDone").GetInt32());
        Assert.Equal(6, status.GetProperty("manifest").GetProperty("replicas").GetArrayLength());
        Assert.True(status.GetProperty("fenceMilliseconds").GetDouble() > 0);

        // Afterwards: values overwritten (new CAS), keys deleted, keys created; then a silo restarts.
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 1)))
        {
            for (int i = 0; i < 100; i++)
                Assert.Equal("STORED", await client.CommandAsync($"set key-{i} 99 0 7\r\nchanged"));
            for (int i = 100; i < 150; i++)
                Assert.Equal("DELETED", await client.CommandAsync($"delete key-{i}"));
            for (int i = 0; i < 50; i++)
                Assert.Equal("STORED", await client.SetAsync($"later-{i}", "new"));
        }
        await memshacks.Cluster.StopAsync(1);
        await memshacks.Cluster.RestartAsync(1);
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        Assert.NotEqual(taken, await CaptureAsync(memshacks, memshack));

        await api.RestoreAsync("exact-back", "exact");
        JsonElement restored = await api.WaitForPhaseAsync("clustersnapshotrestores", "exact-back", RestoreFinished);
        Assert.True(restored.GetProperty("phase").GetString() == ClusterSnapshotRestoreStatus.Restored, restored.ToString());

        // Every replica: the same keys with the same values, flags and CAS as when the snapshot was taken.
        Dictionary<string, SortedDictionary<string, string>> now = await CaptureAsync(memshacks, memshack);
        Assert.Equal(taken.Keys.Order(), now.Keys.Order());
        foreach ((string replica, SortedDictionary<string, string> items) in taken)
            Assert.True(items.SequenceEqual(now[replica]), $"{replica} differs from the snapshot");
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 2)))
        {
            Assert.Equal("value-5", await client.GetAsync("key-5"));
            Assert.Equal("value-120", await client.GetAsync("key-120"));
            Assert.Null(await client.GetAsync("later-3"));
            Assert.Equal("STORED", await client.SetAsync("after-restore", "writes go on"));
        }
    }

    [Fact]
    public async Task A_snapshot_under_writes_on_every_gateway_is_a_consistent_cut()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        const string memshack = MemshackCluster.Strict;
        var router = new Ch3Router(3);
        var clock = Stopwatch.StartNew();
        // Per pair: when B's STORED arrived (clock ticks); A is always acknowledged before B is sent.
        var acknowledged = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int gateway)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, gateway));
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string pair = $"{gateway}-{i}";
                Assert.Equal("STORED", await client.SetAsync($"a-{pair}", pair));
                Assert.Equal("STORED", await client.SetAsync(BKey(router, pair), pair));
                acknowledged[pair] = clock.ElapsedTicks;
            }
        }

        Task[] writers = Enumerable.Range(0, 3).Select(WriteAsync).ToArray();
        await memshacks.Cluster.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 300), TimeSpan.FromSeconds(60), "the writers to get going");
        long createBegan = clock.ElapsedTicks;
        await api.CreateAsync("cut", memshack);
        JsonElement status = await api.WaitForPhaseAsync("clustersnapshots", "cut", Finished);
        Assert.True(status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, status.ToString());
        // The writers went on after the fence: pairs acknowledged after the commit.
        long committed = clock.ElapsedTicks;
        await memshacks.Cluster.WaitUntilAsync(() => Task.FromResult(acknowledged.Values.Count(t => t > committed) >= 100), TimeSpan.FromSeconds(30),
            "writes to go on after the snapshot");
        stop.Cancel();
        await Task.WhenAll(writers);

        await api.RestoreAsync("cut-back", "cut");
        JsonElement restored = await api.WaitForPhaseAsync("clustersnapshotrestores", "cut-back", RestoreFinished);
        Assert.True(restored.GetProperty("phase").GetString() == ClusterSnapshotRestoreStatus.Restored, restored.ToString());

        Assert.Empty(await memshacks.DifferingReplicaKeysAsync(memshack));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int shard = 0; shard < 3; shard++)
            keys.UnionWith((await memshacks.ReadReplicaItemsAsync(FirstReplica(await memshacks.ShardStatusAsync(memshack, shard)), memshack, shard)).Keys);
        int before = 0, present = 0;
        foreach ((string pair, long ackedAt) in acknowledged)
        {
            bool a = keys.Contains($"a-{pair}"), b = keys.Contains(BKey(router, pair));
            Assert.False(b && !a, $"pair {pair}: B is in the snapshot without its A");
            if (ackedAt < createBegan)
            {
                before++;
                Assert.True(a && b, $"pair {pair} was acknowledged before the create began but is not in the snapshot");
            }
            present += b ? 1 : 0;
        }
        Assert.True(before >= 300 && present >= before, $"{before} pairs acknowledged before the create, {present} in the snapshot");
        Assert.True(present < acknowledged.Count, "pairs written after the snapshot must not be in it");
    }

    [Fact]
    public async Task A_replica_silo_killed_during_a_create_fails_it_releases_the_fence_and_leaves_no_partial_snapshot_behind()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        const string memshack = MemshackCluster.Lenient;
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 0)))
        {
            for (int i = 0; i < 100; i++)
                Assert.Equal("STORED", await client.SetAsync($"key-{i}", "v"));
        }

        await api.CreateAsync("killed", memshack);
        await memshacks.Cluster.KillAsync(2);
        JsonElement status = await api.WaitForPhaseAsync("clustersnapshots", "killed", Finished, TimeSpan.FromSeconds(90));
        if (status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed)
        {
            // node-2 died after the barrier: a snapshot taken before the kill is whole, so take another one now.
            await api.CreateAsync("killed-after", memshack);
            status = await api.WaitForPhaseAsync("clustersnapshots", "killed-after", Finished, TimeSpan.FromSeconds(90));
        }
        Assert.True(status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Failed, status.ToString());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("message").GetString()));
        Assert.False(status.TryGetProperty("manifest", out JsonElement manifest) && manifest.ValueKind == JsonValueKind.Object);

        // The fence is released: writes go on through the surviving gateways (quorum one).
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, 0)))
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal("STORED", await client.SetAsync("after-failure", "v"));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"a write after the failed snapshot took {watch.Elapsed}");
        }
        Assert.Equal(0UL, await api.EngineSnapshotsAsync(memshack, [0, 1]));

        // node-2 returns (with whatever part it took before it died); a committed snapshot keeps its engine
        // snapshots, and those no manifest names (node-2's, and one taken here behind the API's back) are swept.
        await memshacks.Cluster.RestartAsync(2);
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        await api.CreateAsync("kept", memshack);
        JsonElement kept = await api.WaitForPhaseAsync("clustersnapshots", "kept", Finished);
        Assert.True(kept.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, kept.ToString());
        await using (MnemoClient client = await memshacks.Cluster.ConnectAsync())
        {
            int[] shardsOnNode0 = [.. Enumerable.Range(0, 3).Where(s => kept.GetProperty("manifest").GetProperty("replicas").EnumerateArray()
                .Any(r => r.GetProperty("node").GetString() == "node-0" && r.GetProperty("shard").GetInt32() == s))];
            await client.Cluster.GetGrain<INodeSnapshotGrain>("node-0").SnapshotAsync(memshack, shardsOnNode0);
        }
        Assert.True(await api.EngineSnapshotsAsync(memshack, [0, 1, 2]) > 6);
        await memshacks.Cluster.WaitUntilAsync(async () => await api.EngineSnapshotsAsync(memshack, [0, 1, 2]) == 6,
            OrphanSnapshotSweep.MinimumAge + TimeSpan.FromSeconds(60), "the engine snapshots no manifest names to be swept");
    }

    /// <summary>Key <c>b-pair</c> with a suffix that routes it to another shard than its A.</summary>
    private static string BKey(Ch3Router router, string pair)
    {
        int shardOfA = router.ShardOf(Encoding.UTF8.GetBytes($"a-{pair}"));
        for (int suffix = 0; ; suffix++)
        {
            string key = $"b-{pair}-{suffix}";
            if (router.ShardOf(Encoding.UTF8.GetBytes(key)) != shardOfA)
                return key;
        }
    }

    private static int FirstReplica(MemshackShardStatus status) => int.Parse(status.Replicas[0].Node["node-".Length..]);

    /// <summary>Every replica's items (value, flags, CAS, stale mark) by <c>shard/node</c>, read from the nodes themselves.</summary>
    internal static async Task<Dictionary<string, SortedDictionary<string, string>>> CaptureAsync(MemshackCluster memshacks, string memshack)
    {
        var capture = new Dictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        for (int shard = 0; shard < 3; shard++)
        {
            MemshackShardStatus status = await memshacks.ShardStatusAsync(memshack, shard);
            foreach (MemshackReplicaStatus replica in status.Replicas)
                capture[$"{shard}/{replica.Node}"] = await memshacks.ReadReplicaItemsAsync(int.Parse(replica.Node["node-".Length..]), memshack, shard);
        }
        return capture;
    }
}

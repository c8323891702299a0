using System.Text;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains.Tests;

/// <summary>
/// <see cref="IMemshackShardGrain"/> over real replica sets: every silo serves every shard with a
/// replica set of its own (its replica straight in its engine, the others over their nodes' data
/// planes), and the shard grain merges the views of the silos that hold the shard's replicas.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class MemshackShardStatusTests(SharedCluster shared)
{
    private MnemoCluster Cluster => shared.Cluster;

    [Fact]
    public async Task Status_lists_the_replica_nodes_in_order_and_merges_the_worst_state_seen_by_the_replica_holders()
    {
        string memshack = $"default/merge-{Guid.NewGuid():N}";
        (string s0, string s1, string s2) = (Cluster.ActiveSiloNames[0], Cluster.ActiveSiloNames[1], Cluster.ActiveSiloNames[2]);
        Cluster.Serve(memshack, [[s2, s0, s1], [s1, s2]], WriteQuorum.All);

        // The sets are live: a write through one silo's set lands in every replica's engine.
        Assert.Equal(CacheStatus.Ok, await SetAsync(Cluster.Nodes[s0], memshack, 0, "k", "v"));
        foreach (string node in new[] { s0, s1, s2 })
            Assert.Equal(1UL, ItemsInReplica(node, memshack, 0));

        MemshackShardStatus status = await ShardGrain(memshack, 0).GetStatusAsync();
        Assert.Equal((memshack, 0, true), (status.Memshack, status.Shard, status.Served));
        Assert.Equal([Replica(s2, "in_sync"), Replica(s0, "in_sync"), Replica(s1, "in_sync")], status.Replicas);
        Assert.Empty(status.UnansweredNodes);

        // Only s1's set sees s2's replica as needing a resync: the merge reports the worst view.
        Cluster.Nodes[s1].Served.Find(memshack, 0)!.Replicas.MarkNeedsResync(0);
        status = await ShardGrain(memshack, 0).GetStatusAsync();
        Assert.Equal([Replica(s2, "needs_resync"), Replica(s0, "in_sync"), Replica(s1, "in_sync")], status.Replicas);
        Assert.Empty(status.UnansweredNodes);

        // Shard 1 lives on s1 and s2; s0 serves it too (as a gateway) but its view is not a replica holder's, so it does not count.
        Cluster.Nodes[s0].Served.Find(memshack, 1)!.Replicas.MarkNeedsResync(0);
        status = await ShardGrain(memshack, 1).GetStatusAsync();
        Assert.Equal((memshack, 1, true), (status.Memshack, status.Shard, status.Served));
        Assert.Equal([Replica(s1, "in_sync"), Replica(s2, "in_sync")], status.Replicas);
        Assert.Empty(status.UnansweredNodes);
    }

    [Fact]
    public async Task Verify_reports_a_key_whose_replicas_differ_and_status_counts_it_once_repaired()
    {
        string memshack = $"default/verify-{Guid.NewGuid():N}";
        (string s0, string s1, string s2) = (Cluster.ActiveSiloNames[0], Cluster.ActiveSiloNames[1], Cluster.ActiveSiloNames[2]);
        Cluster.Serve(memshack, [[s0, s1, s2]], WriteQuorum.All);
        Assert.Equal(CacheStatus.Ok, await SetAsync(Cluster.Nodes[s1], memshack, 0, "same", "v"));
        Assert.Equal(CacheStatus.Ok, await SetAsync(Cluster.Nodes[s1], memshack, 0, "lost", "v"));
        MemshackShardVerification agreed = await ShardGrain(memshack, 0).VerifyAsync();
        Assert.Equal((true, 0L), (agreed.Served, agreed.DifferingKeys));
        Assert.Equal([s0, s1, s2], agreed.Replicas);
        Assert.Empty(agreed.UnreachableNodes);

        // s2's replica loses a key behind the replica sets' back.
        string[] parts = memshack.Split('/');
        Mnemo.NativeEngine.EnginePool pool = Cluster.Nodes[s2].Pool;
        pool.Delete(pool.FindRegion(MemshackRegions.Of(parts[0], parts[1], 0))!.Value, Encoding.ASCII.GetBytes("lost"));

        MemshackShardVerification differing = await ShardGrain(memshack, 0).VerifyAsync();
        Assert.Equal(1, differing.DifferingKeys);
        MemshackDifferingKey key = Assert.Single(differing.Keys);
        Assert.Equal("lost", key.Key);
        Assert.NotNull(key.Versions[0]);
        Assert.Equal(key.Versions[0], key.Versions[1]);
        Assert.Null(key.Versions[2]);

        // The silo holding the ordering replica repairs it; the shard's status counts the repair.
        ReplicaComparison pass = await Cluster.Nodes[s0].Served.Find(memshack, 0)!.Replicas.CompareAsync(repair: true, maxReportedKeys: 0);
        Assert.Equal(1, pass.RepairedKeys);
        Assert.Equal(1, (await ShardGrain(memshack, 0).GetStatusAsync()).RepairedKeys);
        Assert.Equal(0, (await ShardGrain(memshack, 0).VerifyAsync()).DifferingKeys);
        Assert.False((await ShardGrain(memshack, 1).VerifyAsync()).Served);
    }

    [Fact]
    public async Task A_shard_or_Memshack_that_is_not_served_is_reported_as_not_served()
    {
        string memshack = $"default/unserved-{Guid.NewGuid():N}";
        Cluster.Serve(memshack, [Cluster.ActiveSiloNames], WriteQuorum.All);

        foreach (string key in new[] { $"{memshack}/1", "default/no-such-memshack/0" })
        {
            MemshackShardStatus status = await Cluster.Client.GetGrain<IMemshackShardGrain>(key).GetStatusAsync();
            Assert.False(status.Served);
            Assert.Equal(key, $"{status.Memshack}/{status.Shard}");
            Assert.Empty(status.Replicas);
            Assert.Empty(status.UnansweredNodes);
        }
    }

    [Fact]
    public async Task A_malformed_shard_key_fails_the_call_with_ArgumentException()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Cluster.Client.GetGrain<IMemshackShardGrain>("no-namespace/0").GetStatusAsync());
        Assert.Contains("'no-namespace/0'", e.Message);
    }

    internal static MemshackReplicaStatus Replica(string node, string state, int pendingHints = 0) => new(node, state, pendingHints);

    internal static async Task<CacheStatus> SetAsync(SiloNode through, string memshack, int shard, string key, string value) =>
        (await through.Served.Find(memshack, shard)!.Replicas.StoreAsync(CacheStoreMode.Set, Encoding.ASCII.GetBytes(key), Encoding.ASCII.GetBytes(value), 0, 0)).Status;

    private IMemshackShardGrain ShardGrain(string memshack, int shard) => Cluster.Client.GetGrain<IMemshackShardGrain>($"{memshack}/{shard}");

    private ulong ItemsInReplica(string node, string memshack, int shard)
    {
        string[] parts = memshack.Split('/');
        Mnemo.NativeEngine.EnginePool pool = Cluster.Nodes[node].Pool;
        return pool.GetRegionStats(pool.FindRegion(MemshackRegions.Of(parts[0], parts[1], shard))!.Value).Items;
    }
}

/// <summary>The shard grain when the silo of a replica node is killed.</summary>
public sealed class MemshackShardFailureTests
{
    [Fact]
    public async Task A_replica_node_whose_silo_is_killed_is_reported_unreachable_and_unanswered_and_the_hints_others_keep_are_merged()
    {
        await using MnemoCluster cluster = await MnemoCluster.StartAsync(3);
        const string memshack = "default/failover";
        (string s0, string s1, string s2) = (cluster.ActiveSiloNames[0], cluster.ActiveSiloNames[1], cluster.ActiveSiloNames[2]);
        cluster.Serve(memshack, [[s0, s1, s2]], WriteQuorum.Majority);
        IMemshackShardGrain shard = cluster.Client.GetGrain<IMemshackShardGrain>($"{memshack}/0");
        Assert.Equal(CacheStatus.Ok, await MemshackShardStatusTests.SetAsync(cluster.Nodes[s0], memshack, 0, "before", "1"));
        Assert.All((await shard.GetStatusAsync()).Replicas, r => Assert.Equal("in_sync", r.State));

        // The node's process is gone: its silo and its data plane.
        await cluster.KillAsync(s1);
        await cluster.Nodes[s1].KillDataPlaneAsync();

        // No survivor has missed a write yet, so s1 is unreachable only because its silo does not answer.
        MemshackShardStatus status = await MnemoCluster.ThroughLiveGatewayAsync(shard.GetStatusAsync);
        Assert.Equal([Replica(s0, "in_sync"), Replica(s1, "unreachable"), Replica(s2, "in_sync")], status.Replicas);
        Assert.Equal([s1], status.UnansweredNodes);
        Assert.True(status.Served);

        // A majority write through s2's set succeeds and leaves s2 a hint for s1, which the merge reports.
        Assert.Equal(CacheStatus.Ok, await MemshackShardStatusTests.SetAsync(cluster.Nodes[s2], memshack, 0, "after", "2"));
        status = await Eventually.ReturnsAsync(() => MnemoCluster.ThroughLiveGatewayAsync(shard.GetStatusAsync), s => s.Replicas[1].PendingHints > 0,
            "s2's hint for s1 to be reported");
        Assert.Equal([Replica(s0, "in_sync"), Replica(s1, "unreachable", 1), Replica(s2, "in_sync")], status.Replicas);
        Assert.Equal([s1], status.UnansweredNodes);
    }

    private static MemshackReplicaStatus Replica(string node, string state, int pendingHints = 0) =>
        MemshackShardStatusTests.Replica(node, state, pendingHints);
}

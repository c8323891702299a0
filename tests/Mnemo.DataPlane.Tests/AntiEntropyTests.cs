using Mnemo.NativeEngine;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Anti-entropy finds replicas that diverged behind the replica set's back (written straight into one
/// engine, as a crash between replica writes or a lost delete would leave them), repairs them to the
/// newest version, counts what it repaired, and never overwrites a write that races the repair.
/// </summary>
public sealed class AntiEntropyTests : IAsyncLifetime
{
    private const int Keys = 200;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Replicas_that_diverged_behind_the_set_are_repaired_to_the_newest_version()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, casClock: new CasClock(1));
        for (int k = 0; k < Keys; k++)
        {
            Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Set, Bytes.Of($"k{k}"), Bytes.Of($"v{k}"), 7, 0)).Status);
        }
        Assert.Equal(0, (await set.CompareAsync(repair: false, maxReportedKeys: 10)).DifferingKeys);

        TestNode[] nodes = _cluster.Nodes;
        ulong newer = new CasClock(3).Next(); // after every write above
        // A newer set that reached one replica only.
        Assert.Equal(EngineStatus.Ok, nodes[1].OrderedSet("k1", "newest", newer));
        // A key written to one replica only.
        Assert.Equal(EngineStatus.Ok, nodes[0].OrderedSet("only-here", "x", newer));
        // An item lost on one replica (no tombstone: nothing says it was deleted).
        Assert.Equal(EngineStatus.Ok, nodes[2].Pool.Delete(nodes[2].Region, Bytes.Of("k2")));
        // A delete that one replica missed: the others hold its tombstone.
        Assert.Equal(EngineStatus.Ok, nodes[0].OrderedDelete("k3", newer));
        Assert.Equal(EngineStatus.Ok, nodes[1].OrderedDelete("k3", newer));
        // An older version left on one replica.
        ulong k4 = nodes[0].CasOn("k4");
        Assert.Equal(EngineStatus.Ok, nodes[2].Pool.Delete(nodes[2].Region, Bytes.Of("k4")));
        Assert.Equal(EngineStatus.Ok, nodes[2].Pool.Store(nodes[2].Region, StoreMode.Set, Bytes.Of("k4"), Bytes.Of("old"), 7, 0, out _,
            new WriteOptions { CasNew = k4 - 1 }));

        ReplicaComparison found = await set.CompareAsync(repair: false, maxReportedKeys: 10);
        Assert.Equal(5, found.DifferingKeys);
        Assert.Equal(["k1", "k2", "k3", "k4", "only-here"], found.Keys.Select(k => k.Key).Order());
        Assert.Empty(found.UnreachableReplicas);

        ReplicaComparison repaired = await set.CompareAsync(repair: true, maxReportedKeys: 10);
        Assert.Equal(5, repaired.RepairedKeys);
        Assert.Equal(5, set.RepairedKeys);
        Assert.Equal(0, (await set.CompareAsync(repair: false, maxReportedKeys: 10)).DifferingKeys);

        string[] all = [.. Enumerable.Range(0, Keys).Select(k => $"k{k}"), "only-here"];
        _cluster.AssertReplicasIdentical(all);
        Assert.Equal("newest", nodes[2].ValueOn("k1"));
        Assert.Equal("x", nodes[2].ValueOn("only-here"));
        Assert.Equal("v2", nodes[2].ValueOn("k2"));
        Assert.Null(nodes[2].ValueOn("k3"));
        Assert.Equal("v4", nodes[2].ValueOn("k4"));

        // Nothing left to do: a second pass repairs nothing and the counter stays.
        Assert.Equal(0, (await set.CompareAsync(repair: true, maxReportedKeys: 10)).RepairedKeys);
        Assert.Equal(5, set.RepairedKeys);
    }

    [Fact]
    public async Task A_newer_write_racing_the_repair_is_not_overwritten()
    {
        TestNode[] nodes = _cluster.Nodes;
        ReplicaSet writer = _cluster.CreateSet(WriteQuorum.All, casClock: new CasClock(2));
        Assert.Equal(CacheStatus.Ok, (await writer.StoreAsync(CacheStoreMode.Set, Bytes.Of("race"), Bytes.Of("old"), 0, 0)).Status);
        // Replica 2 missed the write.
        Assert.Equal(EngineStatus.Ok, nodes[2].Pool.Delete(nodes[2].Region, Bytes.Of("race")));

        // The repair's copy to replica 2 is held back until a newer write (another gateway's) reached every replica.
        await using PeerConnection peer = nodes[2].Connect();
        var racing = new RacingReplica(new RemoteReplica(peer, TestNode.RegionName, $"{nodes[2].Name}/{TestNode.RegionName}", (int)EngineLimits.ItemSizeMaxDefault),
            races: options => options.Ordered, () => writer.StoreAsync(CacheStoreMode.Set, Bytes.Of("race"), Bytes.Of("newer"), 0, 0).AsTask());
        using EngineRegionStore local = nodes[0].CreateEngineRegionStore();
        await using PeerConnection peer1 = nodes[1].Connect();
        IReplica[] replicas =
        [
            local,
            new RemoteReplica(peer1, TestNode.RegionName, $"{nodes[1].Name}/{TestNode.RegionName}", (int)EngineLimits.ItemSizeMaxDefault),
            racing,
        ];
        var repairing = new ReplicaSet(replicas, new ReplicaSetOptions { CasClock = new CasClock(1) });

        ReplicaComparison pass = await repairing.CompareAsync(repair: true, maxReportedKeys: 10);

        Assert.True(racing.Raced);
        Assert.Equal(0, pass.RepairedKeys);
        Assert.All(nodes, node => Assert.Equal("newer", node.ValueOn("race")));
        _cluster.AssertReplicasIdentical(["race"]);
    }

    [Fact]
    public async Task A_delete_repaired_by_anti_entropy_leaves_a_tombstone_ending_with_the_source_one()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, casClock: new CasClock(1));
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("gone", "old"));
        TestNode[] nodes = _cluster.Nodes;
        ulong written = nodes[0].CasOn("gone");
        // A delete of 40 s ago that replica 2 missed: 20 s left on the others' tombstones.
        Assert.Equal(EngineStatus.Ok, nodes[0].OrderedDelete("gone", written + 1000, exptime: 20));
        Assert.Equal(EngineStatus.Ok, nodes[1].OrderedDelete("gone", written + 1000, exptime: 20));

        Assert.Equal(1, (await set.CompareAsync(repair: true, maxReportedKeys: 10)).RepairedKeys);

        Assert.Null(nodes[2].ValueOn("gone"));
        Assert.Equal(EngineStatus.Exists, nodes[2].OrderedSet("gone", "late", written + 500));
        nodes[2].Pool.AdvanceClock(25);
        Assert.Equal(EngineStatus.Ok, nodes[2].OrderedSet("gone", "late", written + 500));
    }

    [Fact]
    public async Task A_replica_that_does_not_answer_is_reported_and_not_repaired()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, casClock: new CasClock(1));
        await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0);
        await _cluster.Nodes[2].KillAsync();

        ReplicaComparison found = await set.CompareAsync(repair: false, maxReportedKeys: 10);

        Assert.Equal([$"{_cluster.Nodes[2].Name}/{TestNode.RegionName}"], found.UnreachableReplicas);
        Assert.Equal(0, found.DifferingKeys);
    }
}

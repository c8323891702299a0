using Mnemo.NativeEngine;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>Write quorums below "all": a write succeeds with a replica down, and the missed keys are repaired when it returns.</summary>
public sealed class ReplicaRepairTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData(WriteQuorum.One)]
    [InlineData(WriteQuorum.Majority)]
    public async Task With_one_replica_down_writes_succeed_and_are_repaired_on_its_return(WriteQuorum quorum)
    {
        ReplicaSet set = _cluster.CreateSet(quorum);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", "before"));
        }
        await _cluster.Nodes[2].KillAsync();

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", "during"));
        }
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("k15"))).Status);
        Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Append, Bytes.Of("k16"), Bytes.Of("+"), 0, 0)).Status);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("new", "during"));
        ReplicaStatus down = set.GetReplicaStatuses()[2];
        Assert.Equal((ReplicaState.Unreachable, 13), (down.State, down.PendingHints));

        await _cluster.Nodes[2].RestartAsync(emptyPool: false);
        Assert.Equal("before", _cluster.Nodes[2].ValueOn("k0"));
        Assert.True(await set.RepairUntilInSyncAsync(2));

        var expected = _cluster.Nodes[0].Snapshot();
        Assert.Equal(20, expected.Count);
        Assert.All(_cluster.Nodes, node => Assert.Equal(expected, node.Snapshot()));
        Assert.Equal("before+", _cluster.Nodes[2].ValueOn("k16"));
        Assert.Null(_cluster.Nodes[2].ValueOn("k15"));
    }

    [Fact]
    public async Task A_replica_repaired_after_missing_a_delete_refuses_an_older_write_arriving_later()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("k", "v1"));
        ulong written = _cluster.Nodes[0].CasOn("k");
        await _cluster.Nodes[2].KillAsync();
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("k"), new CacheWriteOptions(CasNew: written + 1000))).Status);
        await _cluster.Nodes[2].RestartAsync(emptyPool: false);
        Assert.Equal("v1", _cluster.Nodes[2].ValueOn("k"));

        Assert.True(await set.RepairUntilInSyncAsync(2));
        Assert.Null(_cluster.Nodes[2].ValueOn("k"));

        // A write older than the delete arrives late (another gateway's, a copy on its way): every replica refuses it alike.
        foreach (TestNode node in _cluster.Nodes)
        {
            Assert.Equal(EngineStatus.Exists, node.OrderedSet("k", "late", written + 500));
            Assert.Null(node.ValueOn("k"));
        }
    }

    [Fact]
    public async Task A_returning_replica_is_repaired_without_being_asked()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority);
        await _cluster.Nodes[1].KillAsync();
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("missed", "v2"));
        await _cluster.Nodes[1].RestartAsync(emptyPool: false);

        // The next write that reaches it schedules the repair.
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            await set.SetAsync("probe", "x");
            return set.GetState(1) == ReplicaState.InSync;
        }));
        Assert.Equal("v2", _cluster.Nodes[1].ValueOn("missed"));
    }

    [Fact]
    public async Task A_returned_replica_serves_no_stale_read_of_a_key_it_missed()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.One, preferred: 1);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("k", "v1"));
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("other", "same"));
        await _cluster.Nodes[1].KillAsync();
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("k", "v2"));
        await _cluster.Nodes[1].RestartAsync(emptyPool: false);

        // Whether or not the repair ran yet, the preferred replica must not answer the value it missed.
        Assert.Equal((CacheStatus.Ok, "v2"), await set.ReadAsync("k"));
        Assert.Equal((CacheStatus.Ok, "same"), await set.ReadAsync("other"));
    }

    [Fact]
    public async Task Too_many_missed_keys_turn_into_a_full_resync()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.One, hintCapacity: 5);
        await _cluster.Nodes[2].KillAsync();
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", "v"));
        }
        Assert.Equal(ReplicaState.NeedsResync, set.GetState(2));
        Assert.Equal(0, set.GetReplicaStatuses()[2].PendingHints);

        await _cluster.Nodes[2].RestartAsync(emptyPool: false);
        Assert.True(await set.RepairUntilInSyncAsync(2));

        Assert.Equal(_cluster.Nodes[0].Snapshot(), _cluster.Nodes[2].Snapshot());
    }

    [Fact]
    public async Task With_every_other_replica_down_quorum_one_still_accepts_writes()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.One);
        await _cluster.Nodes[1].KillAsync();
        await _cluster.Nodes[2].KillAsync();
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("alone", "v"));

        ReplicaSet majority = _cluster.CreateSet(WriteQuorum.Majority);
        Assert.Equal(CacheStatus.Unavailable, await majority.SetAsync("alone", "v2"));
    }
}

using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>AllSync writes over a local and two remote replicas: every replica gets the write, the worst reply wins.</summary>
public sealed class ReplicaSetWriteTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_write_reaches_every_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"v{i}"));
        }
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("k7"))).Status);
        Assert.Equal(CacheStatus.Ok, (await set.TouchAsync(Bytes.Of("k8"), 5000)).Status);

        var first = _cluster.Nodes[0].Snapshot();
        Assert.Equal(49, first.Count);
        Assert.All(_cluster.Nodes, node => Assert.Equal(first, node.Snapshot()));
    }

    [Fact]
    public async Task An_add_is_decided_by_the_ordering_replica_and_its_item_copied_to_the_others()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        _cluster.Nodes[1].PutDirectly("diverged", "old");

        CacheResult added = await set.StoreAsync(CacheStoreMode.Add, Bytes.Of("diverged"), Bytes.Of("new"), 0, 0);

        Assert.Equal(CacheStatus.Ok, added.Status);
        Assert.All(_cluster.Nodes, node => Assert.Equal("new", node.ValueOn("diverged")));
        _cluster.Nodes[0].PutDirectly("taken", "first");
        Assert.Equal(CacheStatus.NotStored, (await set.StoreAsync(CacheStoreMode.Add, Bytes.Of("taken"), Bytes.Of("x"), 0, 0)).Status);
        Assert.Null(_cluster.Nodes[1].ValueOn("taken"));
    }

    [Fact]
    public async Task A_miss_on_one_replica_beats_success_on_the_others()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        _cluster.Nodes[2].PutDirectly("only-on-2", "v");

        Assert.Equal(CacheStatus.NotFound, (await set.DeleteAsync(Bytes.Of("only-on-2"))).Status);
        Assert.Null(_cluster.Nodes[2].ValueOn("only-on-2"));
    }

    [Fact]
    public async Task A_client_error_beats_an_unreachable_replica_which_beats_success()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        _cluster.Nodes[0].PutDirectly("n", "abc");
        _cluster.Nodes[1].PutDirectly("n", "5");
        _cluster.Nodes[2].PutDirectly("n", "5");
        await _cluster.Nodes[2].KillAsync();

        CacheResult nonNumeric = await set.ArithmeticAsync(Bytes.Of("n"), false, 1);
        Assert.Equal(CacheStatus.NonNumeric, nonNumeric.Status);

        _cluster.Nodes[0].PutDirectly("m", "1");
        _cluster.Nodes[1].PutDirectly("m", "1");
        CacheResult unreachable = await set.ArithmeticAsync(Bytes.Of("m"), false, 1);
        Assert.Equal(CacheStatus.Unavailable, unreachable.Status);
        Assert.Equal("2", _cluster.Nodes[0].ValueOn("m"));
    }

    [Fact]
    public async Task With_quorum_all_a_replica_down_fails_the_write_though_the_others_applied_it()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        await _cluster.Nodes[1].KillAsync();

        Assert.Equal(CacheStatus.Unavailable, await set.SetAsync("k", "v"));

        // As with mcrouter's AllSync: the reachable replicas applied it, and the missed one is hinted for repair.
        Assert.Equal("v", _cluster.Nodes[0].ValueOn("k"));
        Assert.Equal("v", _cluster.Nodes[2].ValueOn("k"));
        ReplicaStatus missed = set.GetReplicaStatuses()[1];
        Assert.Equal((ReplicaState.Unreachable, 1), (missed.State, missed.PendingHints));
    }

    [Fact]
    public async Task Concurrent_writes_to_one_key_leave_every_replica_with_the_same_value()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => set.SetAsync("hot", $"writer-{i}"))));
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
            await set.StoreAsync(CacheStoreMode.Append, Bytes.Of("hot"), Bytes.Of("+"), 0, 0))));

        string? value = _cluster.Nodes[0].ValueOn("hot");
        Assert.NotNull(value);
        Assert.EndsWith(new string('+', 100), value);
        Assert.All(_cluster.Nodes, node => Assert.Equal(value, node.ValueOn("hot")));
    }

    [Fact]
    public async Task Flush_empties_every_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        for (int i = 0; i < 10; i++)
        {
            await set.SetAsync($"f{i}", "v");
        }
        Assert.Equal(CacheStatus.Ok, (await set.FlushAsync(0)).Status);
        Assert.All(_cluster.Nodes, node => Assert.Empty(node.Snapshot()));
    }

    [Fact]
    public async Task Status_reports_every_replica_and_the_preferred_one()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority, preferred: 2);
        IReadOnlyList<ReplicaStatus> statuses = set.GetReplicaStatuses();

        Assert.Equal(["node-0/shard-0", "node-1/shard-0", "node-2/shard-0"], statuses.Select(s => s.Name));
        Assert.All(statuses, s => Assert.Equal(ReplicaState.InSync, s.State));
        Assert.Equal([false, false, true], statuses.Select(s => s.Preferred));
        (CacheStatus status, CacheStoreStats stats) = await set.GetStatsAsync();
        Assert.Equal(CacheStatus.Ok, status);
        Assert.Equal(0UL, stats.CurrentItems);
    }
}

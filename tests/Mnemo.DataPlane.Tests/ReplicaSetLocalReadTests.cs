using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.Grains.Memshack;
using Mnemo.Grains.Memshack.Replication;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Reads on a silo holding a replica of the shard: the local replica is preferred over the gateway
/// name's hash choice; failover still happens on errors only, in replica order.
/// </summary>
public sealed class ReplicaSetLocalReadTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ReplicaCluster.StartAsync(3);
        for (int i = 0; i < 3; i++)
        {
            _cluster.Nodes[i].PutDirectly("k", $"from-node-{i}");
        }
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Reads_go_to_the_local_replica_whatever_the_gateway_name_hashes_to(int hashChoice)
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice);

        Assert.Equal(0, set.PreferredIndex);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((CacheStatus.Ok, "from-node-0"), await set.ReadAsync("k"));
        }
        Assert.Equal([true, false, false], set.GetReplicaStatuses().Select(s => s.Preferred));
    }

    [Fact]
    public async Task A_miss_on_the_local_replica_does_not_fail_over()
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 1);
        _cluster.Nodes[1].PutDirectly("elsewhere", "v");
        _cluster.Nodes[2].PutDirectly("elsewhere", "v");

        Assert.Equal(CacheStatus.NotFound, (await set.ReadAsync("elsewhere")).Status);
        Assert.Equal(ReplicaState.InSync, set.GetState(0));
    }

    [Fact]
    public async Task A_local_replica_that_fails_hands_reads_to_the_next_replica()
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 2);
        // A closed pool makes the local engine answer Unavailable, as a failed engine would.
        _cluster.Nodes[0].Pool.Dispose();

        Assert.Equal((CacheStatus.Ok, "from-node-1"), await set.ReadAsync("k"));
        Assert.Equal(ReplicaState.Unreachable, set.GetState(0));

        await _cluster.Nodes[1].KillAsync();
        Assert.Equal((CacheStatus.Ok, "from-node-2"), await set.ReadAsync("k"));
    }

    [Fact]
    public async Task A_local_replica_needing_a_resync_serves_no_reads_until_resynced()
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 2);
        set.MarkNeedsResync(0);

        Assert.Equal((CacheStatus.Ok, "from-node-1"), await set.ReadAsync("k"));

        Assert.True(await set.RepairUntilInSyncAsync(0));
        for (int i = 0; i < 3; i++)
        {
            _cluster.Nodes[i].PutDirectly("after", $"from-node-{i}");
        }
        Assert.Equal((CacheStatus.Ok, "from-node-0"), await set.ReadAsync("after"));
    }

    [Fact]
    public async Task A_write_through_the_set_is_read_back_from_the_local_replica_with_the_cas_of_every_replica()
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 1);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("fresh", "v1"));

        var value = new System.Buffers.ArrayBufferWriter<byte>();
        CacheResult read = await set.GetAsync(Bytes.Of("fresh"), value);
        Assert.Equal(CacheStatus.Ok, read.Status);
        Assert.All(_cluster.Nodes, node =>
        {
            node.Pool.TryGet(node.Region, "fresh"u8, new byte[64], out _, out NativeEngine.ItemInfo info);
            Assert.Equal(read.Info.Cas, info.Cas);
        });
        CacheResult swapped = await set.StoreAsync(CacheStoreMode.Cas, Bytes.Of("fresh"), Bytes.Of("v2"), 0, 0,
            new CacheWriteOptions(CasIn: read.Info.Cas));
        Assert.Equal(CacheStatus.Ok, swapped.Status);
        Assert.All(_cluster.Nodes, node => Assert.Equal("v2", node.ValueOn("fresh")));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void A_local_replica_index_outside_the_set_is_rejected(int local)
    {
        IReplica[] replicas = [.. _cluster.Nodes.Select(n => (IReplica)n.CreateEngineRegionStore())];
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ReplicaSet(replicas, new ReplicaSetOptions { LocalReplica = local }));
        }
        finally
        {
            foreach (IReplica replica in replicas)
            {
                ((IDisposable)replica).Dispose();
            }
        }
    }
}

using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Latest reads: a fixed preferred replica per gateway (the silo's own replica when it holds one);
/// failover on errors, never on a miss.
/// </summary>
public sealed class ReplicaSetReadTests : IAsyncLifetime
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
    public async Task Reads_go_to_the_preferred_replica(int preferred)
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((CacheStatus.Ok, $"from-node-{preferred}"), await set.ReadAsync("k"));
        }
    }

    [Fact]
    public void The_preferred_replica_is_a_stable_function_of_the_gateway_name()
    {
        ReplicaSet first = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        ReplicaSet second = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        Assert.Equal(first.PreferredIndex, second.PreferredIndex);
    }

    [Fact]
    public async Task A_miss_on_the_preferred_replica_does_not_fail_over()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        _cluster.Nodes[2].PutDirectly("elsewhere", "v");
        _cluster.Nodes[0].PutDirectly("elsewhere", "v");

        Assert.Equal(CacheStatus.NotFound, (await set.ReadAsync("elsewhere")).Status);
    }

    [Fact]
    public async Task An_unreachable_preferred_replica_fails_over_to_the_next()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        await _cluster.Nodes[1].KillAsync();

        Assert.Equal((CacheStatus.Ok, "from-node-2"), await set.ReadAsync("k"));
        Assert.Equal(ReplicaState.Unreachable, set.GetState(1));

        await _cluster.Nodes[2].KillAsync();
        Assert.Equal((CacheStatus.Ok, "from-node-0"), await set.ReadAsync("k"));
    }

    [Fact]
    public async Task Get_and_touch_reads_the_preferred_replica_and_touches_all()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 2);
        var value = new System.Buffers.ArrayBufferWriter<byte>();
        CacheResult result = await set.GetAsync(Bytes.Of("k"), value, new CacheReadOptions(TouchExptime: 2000));

        Assert.Equal(CacheStatus.Ok, result.Status);
        Assert.Equal("from-node-2", Bytes.Text(value.WrittenSpan));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(_cluster.Nodes, node =>
        {
            node.Pool.TryGet(node.Region, "k"u8, new byte[64], out _, out NativeEngine.ItemInfo info);
            Assert.InRange(info.Exptime, now + 1900, now + 2100);
        });
    }

    [Fact]
    public void Touch_and_vivify_are_writes_and_lease_reads_are_not()
    {
        Assert.True(new CacheReadOptions(TouchExptime: 0).Mutates);
        Assert.True(new CacheReadOptions(VivifyExptime: 30, Lease: true).Mutates);
        Assert.False(new CacheReadOptions(Lease: true).Mutates);
        Assert.False(new CacheReadOptions(RecacheBelow: 30, Lease: true).Mutates);
        Assert.False(new CacheReadOptions(RecacheBelow: 30).Mutates);
        Assert.False(new CacheReadOptions(ExptimeBeforeTouch: true).Mutates);
    }

    [Fact]
    public async Task Only_a_lease_read_wins_a_stale_item_and_only_on_the_serving_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        foreach (TestNode node in _cluster.Nodes)
        {
            Assert.Equal(NativeEngine.EngineStatus.Ok, node.Pool.Delete(node.Region, "k"u8, new NativeEngine.WriteOptions { Invalidate = true }));
        }

        CacheResult plain = await set.GetAsync(Bytes.Of("k"), new System.Buffers.ArrayBufferWriter<byte>());
        Assert.Equal(CacheItemState.Stale, plain.Info.State);
        CacheResult won = await set.GetAsync(Bytes.Of("k"), new System.Buffers.ArrayBufferWriter<byte>(), new CacheReadOptions(Lease: true));
        Assert.Equal(CacheItemState.Stale | CacheItemState.Won, won.Info.State);
        CacheResult next = await set.GetAsync(Bytes.Of("k"), new System.Buffers.ArrayBufferWriter<byte>(), new CacheReadOptions(Lease: true));
        Assert.Equal(CacheItemState.Stale | CacheItemState.TokenSent, next.Info.State);

        for (int i = 0; i < _cluster.Nodes.Length; i++)
        {
            TestNode node = _cluster.Nodes[i];
            node.Pool.TryGet(node.Region, "k"u8, new byte[64], out _, out NativeEngine.ItemInfo info);
            Assert.Equal(i == 1 ? NativeEngine.ItemState.Stale | NativeEngine.ItemState.TokenSent : NativeEngine.ItemState.Stale, info.State);
        }
    }

    [Fact]
    public async Task A_lease_read_does_not_wait_for_a_write_in_flight_and_a_touching_read_does()
    {
        // One stripe, so a write to any key holds the stripe of every key while a replica keeps it waiting.
        using var blackHole = new BlackHolePeer();
        await using var peer = new PeerConnection(blackHole.EndPoint, TestNode.FastFailOptions);
        TestNode local = _cluster.Nodes[0];
        var set = new ReplicaSet([local.CreateEngineRegionStore(), new RemoteReplica(peer, TestNode.RegionName, "silent", (int)local.Pool.GetStats().ItemSizeMax)],
            new ReplicaSetOptions { LocalReplica = 0, KeyLockStripes = 1 });
        Assert.Equal(NativeEngine.EngineStatus.Ok, local.Pool.Delete(local.Region, "k"u8, new NativeEngine.WriteOptions { Invalidate = true }));
        ValueTask<CacheResult> write = set.StoreAsync(CacheStoreMode.Set, Bytes.Of("other"), Bytes.Of("v"), 0, 0);
        Assert.False(write.IsCompleted);

        ValueTask<CacheResult> lease = set.GetAsync(Bytes.Of("k"), new System.Buffers.ArrayBufferWriter<byte>(), new CacheReadOptions(Lease: true));
        ValueTask<CacheResult> touching = set.GetAsync(Bytes.Of("k"), new System.Buffers.ArrayBufferWriter<byte>(),
            new CacheReadOptions(TouchExptime: 100, Lease: true));

        Assert.True(lease.IsCompletedSuccessfully);
        Assert.Equal(CacheItemState.Stale | CacheItemState.Won, (await lease).Info.State);
        Assert.False(touching.IsCompleted);
        // Gone for good (no listener either), so the touch fanned out after the read fails at once too.
        blackHole.Dispose();
        Assert.Equal(CacheStatus.Unavailable, (await write).Status);
        Assert.Equal(CacheItemState.Stale | CacheItemState.TokenSent, (await touching).Info.State);
    }

    [Fact]
    public async Task Every_replica_unreachable_reads_unavailable()
    {
        await using var isolated = await ReplicaCluster.StartAsync(2);
        ReplicaSet set = isolated.CreateSet(WriteQuorum.All, preferred: 1);
        await isolated.Nodes[1].KillAsync();
        isolated.Nodes[0].Pool.Dispose();

        Assert.Equal(CacheStatus.Unavailable, (await set.ReadAsync("k")).Status);
    }

    // On a silo holding a replica of the shard, the local replica is preferred over the gateway
    // name's hash choice; failover still happens on errors only, in replica order.

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

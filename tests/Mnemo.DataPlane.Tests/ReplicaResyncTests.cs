using Mnemo.NativeEngine;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>A new or emptied replica copies the shard from a peer before serving, without losing writes or resurrecting deletes made meanwhile.</summary>
public sealed class ReplicaResyncTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task An_emptied_replica_resyncs_to_identical_contents()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority, preferred: 2);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Set, Bytes.Of($"k{i}"), Bytes.Of($"value-{i}"), (uint)i, i % 3 == 0 ? 3600 : 0)).Status);
        }
        await _cluster.Nodes[2].RestartAsync(emptyPool: true);
        set.MarkNeedsResync(2);
        Assert.Empty(_cluster.Nodes[2].Snapshot());
        Assert.True(await _cluster.WaitReachableAsync(2));

        // Not in sync: reads skip it (it is the preferred replica and empty).
        Assert.Equal((CacheStatus.Ok, "value-5"), await set.ReadAsync("k5"));

        Assert.True(await set.ResyncAsync(2));

        Assert.Equal(ReplicaState.InSync, set.GetState(2));
        var expected = _cluster.Nodes[0].Snapshot();
        Assert.Equal(1000, expected.Count);
        Assert.Equal(expected, _cluster.Nodes[2].Snapshot());
        Assert.Equal((CacheStatus.Ok, "value-5"), await set.ReadAsync("k5"));
    }

    [Fact]
    public async Task A_replica_restarted_with_its_old_pool_resyncs_by_version_without_being_emptied()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority, preferred: 0, casClock: new CasClock(4));
        for (int i = 0; i < 400; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"old-{i}"));
        }
        await _cluster.Nodes[2].KillAsync();
        // Missed while down: overwrites, deletes, new keys, invalidations.
        for (int i = 0; i < 400; i += 2)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"new-{i}"));
        }
        for (int i = 1; i < 400; i += 10)
        {
            Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of($"k{i}"))).Status);
        }
        for (int i = 3; i < 400; i += 10)
        {
            Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of($"k{i}"), new CacheWriteOptions(Invalidate: true))).Status);
        }
        for (int i = 400; i < 450; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"added-{i}"));
        }
        await _cluster.Nodes[2].RestartAsync(emptyPool: false);
        Assert.Equal("old-0", _cluster.Nodes[2].ValueOn("k0"));
        set.MarkNeedsResync(2);
        Assert.True(await _cluster.WaitReachableAsync(2));

        Assert.True(await set.ResyncAsync(2));

        var expected = _cluster.Nodes[0].Snapshot();
        Assert.Equal(410, expected.Count);
        Assert.Equal(expected, _cluster.Nodes[2].Snapshot());
        Assert.Null(_cluster.Nodes[2].ValueOn("k1"));
        Assert.Equal("new-0", _cluster.Nodes[2].ValueOn("k0"));
        Assert.Equal("old-5", _cluster.Nodes[2].ValueOn("k5"));
    }

    [Fact]
    public async Task Writes_and_deletes_during_resync_are_neither_lost_nor_resurrected()
    {
        // Small chunks make the copy take many round trips, so the writers below overlap it.
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, resyncChunkBytes: 2048);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"v{i}"));
        }
        await _cluster.Nodes[1].RestartAsync(emptyPool: true);
        set.MarkNeedsResync(1);
        Assert.True(await _cluster.WaitReachableAsync(1));

        Assert.Equal(CacheStatus.Ok, await set.SetAsync("log", ""));
        Task<bool> resync = set.ResyncAsync(1);
        var deleted = new HashSet<string>();
        int round = 0, roundsDuringResync = 0;
        while (!resync.IsCompleted || round < 50)
        {
            roundsDuringResync += resync.IsCompleted ? 0 : 1;
            string victim = $"k{(round * 61) % 3000}";
            if ((await set.DeleteAsync(Bytes.Of(victim))).Status == CacheStatus.Ok)
            {
                deleted.Add(victim);
            }
            string changed = $"k{(round * 37 + 11) % 3000}";
            Assert.Equal(CacheStatus.Ok, await set.SetAsync(changed, $"changed-{round}"));
            deleted.Remove(changed);
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"fresh-{round}", $"f{round}"));
            Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Append, Bytes.Of("log"), Bytes.Of("."), 0, 0)).Status);
            round++;
        }

        Assert.True(await resync);
        Assert.Equal(ReplicaState.InSync, set.GetState(1));
        var expected = _cluster.Nodes[0].Snapshot();
        Assert.Equal(expected, _cluster.Nodes[1].Snapshot());
        Assert.Equal(expected, _cluster.Nodes[2].Snapshot());
        Assert.All(deleted, key => Assert.Null(_cluster.Nodes[1].ValueOn(key)));
        Assert.All(Enumerable.Range(0, round), r => Assert.Equal($"f{r}", _cluster.Nodes[1].ValueOn($"fresh-{r}")));
        Assert.Equal(new string('.', round), _cluster.Nodes[1].ValueOn("log"));
        Assert.NotEmpty(deleted);
        Assert.True(roundsDuringResync > 5, $"only {roundsDuringResync} rounds overlapped the resync");
    }

    [Fact]
    public async Task A_key_deleted_through_another_replica_set_after_the_resync_listed_it_is_not_brought_back()
    {
        ReplicaSet preload = _cluster.CreateSet(WriteQuorum.All);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(CacheStatus.Ok, await preload.SetAsync($"k{i}", $"v{i}"));
        }
        await _cluster.Nodes[1].RestartAsync(emptyPool: true);
        // Another silo's set (a gateway that has not seen the restart): its deletes reach the emptied replica as tombstones.
        ReplicaSet other = _cluster.CreateSet(WriteQuorum.All, casClock: new CasClock(5));
        Assert.True(await _cluster.WaitReachableAsync(1));

        // This silo's set resyncs replica 1; every key is listed (one chunk) before the other set deletes them all, then copied.
        await using PeerConnection peer0 = _cluster.Nodes[0].Connect(), peer1 = _cluster.Nodes[1].Connect(), peer2 = _cluster.Nodes[2].Connect();
        RemoteReplica Remote(int node, PeerConnection peer) =>
            new(peer, TestNode.RegionName, $"{_cluster.Nodes[node].Name}/{TestNode.RegionName}", (int)EngineLimits.ItemSizeMaxDefault);
        var racing = new RacingReplica(Remote(1, peer1), races: _ => true, async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                // NOT_FOUND from the emptied replica is the worst reply; the others delete the key.
                CacheStatus deleted = (await other.DeleteAsync(Bytes.Of($"k{i}"))).Status;
                Assert.True(deleted is CacheStatus.Ok or CacheStatus.NotFound, $"k{i}: {deleted}");
            }
        });
        var resyncing = new ReplicaSet([Remote(0, peer0), racing, Remote(2, peer2)], new ReplicaSetOptions { CasClock = new CasClock(6) });
        resyncing.MarkNeedsResync(1);

        Assert.True(await resyncing.ResyncAsync(1));

        Assert.True(racing.Raced);
        Assert.Empty(_cluster.Nodes[0].Snapshot());
        Assert.Empty(_cluster.Nodes[1].Snapshot());
    }

    [Fact]
    public async Task A_resynced_replica_refuses_an_older_write_of_a_key_the_source_deleted()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("absent-after", "old"));
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("held-after", "old"));
        ulong absentCas = _cluster.Nodes[0].CasOn("absent-after"), heldCas = _cluster.Nodes[0].CasOn("held-after");
        // Node 2 misses both deletes and comes back without their tombstones: one key absent, the other at its older version.
        await _cluster.Nodes[2].KillAsync();
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("absent-after"))).Status);
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("held-after"))).Status);
        await _cluster.Nodes[2].RestartAsync(emptyPool: true);
        Assert.Equal(EngineStatus.Ok, _cluster.Nodes[2].Pool.Store(_cluster.Nodes[2].Region, StoreMode.Set, Bytes.Of("held-after"), Bytes.Of("old"), 0, 0,
            out _, new WriteOptions { CasNew = heldCas, Ordered = true }));
        set.MarkNeedsResync(2);
        Assert.True(await _cluster.WaitReachableAsync(2));

        Assert.True(await set.ResyncAsync(2));

        // A copy of the versions from before the deletes arrives late (a shard copy retried, a repair on its way): both lose.
        foreach ((string key, ulong cas) in new[] { ("absent-after", absentCas), ("held-after", heldCas) })
        {
            CacheResult late = await _cluster.Replicas[2].StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of("old"), 0, 0,
                new CacheWriteOptions(CasNew: cas, Ordered: true));
            Assert.Equal(CacheStatus.Exists, late.Status);
            Assert.Null(_cluster.Nodes[2].ValueOn(key));
        }
        Assert.Equal(_cluster.Nodes[0].Snapshot(), _cluster.Nodes[2].Snapshot());
    }

    [Fact]
    public async Task A_copied_tombstone_ends_when_the_source_tombstone_does()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        Assert.Equal(CacheStatus.Ok, await set.SetAsync("gone", "old"));
        ulong written = _cluster.Nodes[0].CasOn("gone");
        // A delete whose tombstones have 20 s left (a delete of 40 s ago) on the in-sync replicas.
        Assert.Equal(EngineStatus.Ok, _cluster.Nodes[0].OrderedDelete("gone", written + 1000, exptime: 20));
        Assert.Equal(EngineStatus.Ok, _cluster.Nodes[1].OrderedDelete("gone", written + 1000, exptime: 20));
        await _cluster.Nodes[2].RestartAsync(emptyPool: true);
        set.MarkNeedsResync(2);
        Assert.True(await _cluster.WaitReachableAsync(2));

        Assert.True(await set.ResyncAsync(2));

        // Copied: an older write is refused on the resynced replica, as on the source.
        Assert.Equal(EngineStatus.Exists, _cluster.Nodes[2].OrderedSet("gone", "late", written + 500));
        // Once the source's tombstone has expired the copy has too, not 60 s after it was made.
        _cluster.Nodes[0].Pool.AdvanceClock(25);
        _cluster.Nodes[2].Pool.AdvanceClock(25);
        Assert.Equal(EngineStatus.Ok, _cluster.Nodes[0].OrderedSet("gone", "late", written + 500));
        Assert.Equal(EngineStatus.Ok, _cluster.Nodes[2].OrderedSet("gone", "late", written + 500));
    }

    [Fact]
    public async Task Keys_deleted_during_resync_refuse_older_writes_on_the_resynced_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, resyncChunkBytes: 2048);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"v{i}"));
        }
        Dictionary<string, ulong> before = Enumerable.Range(0, 3000).ToDictionary(i => $"k{i}", i => _cluster.Nodes[0].CasOn($"k{i}"));
        await _cluster.Nodes[1].RestartAsync(emptyPool: true);
        set.MarkNeedsResync(1);
        Assert.True(await _cluster.WaitReachableAsync(1));

        Task<bool> resync = set.ResyncAsync(1);
        var deleted = new List<string>();
        for (int round = 0; !resync.IsCompleted && round < 3000; round++)
        {
            string victim = $"k{(round * 61) % 3000}";
            if ((await set.DeleteAsync(Bytes.Of(victim))).Status == CacheStatus.Ok)
            {
                deleted.Add(victim);
            }
        }
        Assert.True(await resync);
        Assert.NotEmpty(deleted);

        foreach (string key in deleted)
        {
            CacheResult late = await _cluster.Replicas[1].StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of("old"), 0, 0,
                new CacheWriteOptions(CasNew: before[key], Ordered: true));
            Assert.True(late.Status == CacheStatus.Exists, $"{key}: an older write after its delete answered {late.Status}");
        }
        Assert.Equal(_cluster.Nodes[0].Snapshot(), _cluster.Nodes[1].Snapshot());
    }

    [Fact]
    public async Task A_replica_needing_resync_does_not_decide_replies_and_resyncs_by_itself_once_reached()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(CacheStatus.Ok, await set.SetAsync($"k{i}", $"v{i}"));
        }
        _cluster.Nodes[2].Pool.Flush(_cluster.Nodes[2].Region);
        set.MarkNeedsResync(2);

        // Node 2 answers NOT_FOUND, but its contents are unknown: the in-sync replicas decide.
        Assert.Equal(CacheStatus.Ok, (await set.DeleteAsync(Bytes.Of("k1"))).Status);

        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(set.GetState(2) == ReplicaState.InSync)));
        Assert.Equal(_cluster.Nodes[0].Snapshot(), _cluster.Nodes[2].Snapshot());
        Assert.Equal(99, _cluster.Nodes[2].Snapshot().Count);
    }

    [Fact]
    public async Task Resync_from_a_remote_peer_into_the_local_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.One, preferred: 1);
        for (int i = 0; i < 300; i++)
        {
            await set.SetAsync($"k{i}", $"v{i}");
        }
        _cluster.Nodes[0].Pool.Flush(_cluster.Nodes[0].Region);
        set.MarkNeedsResync(0);

        Assert.True(await set.ResyncAsync(0));

        Assert.Equal(_cluster.Nodes[1].Snapshot(), _cluster.Nodes[0].Snapshot());
        Assert.Equal(300, _cluster.Nodes[0].Snapshot().Count);
    }

    [Fact]
    public async Task A_resync_whose_target_dies_stays_needing_resync()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.One, resyncChunkBytes: 1024);
        for (int i = 0; i < 500; i++)
        {
            await set.SetAsync($"k{i}", $"v{i}");
        }
        set.MarkNeedsResync(2);
        await _cluster.Nodes[2].KillAsync();

        Assert.False(await set.ResyncAsync(2));
        Assert.Equal(ReplicaState.NeedsResync, set.GetState(2));
    }

    [Fact]
    public async Task No_acknowledged_write_is_lost_while_one_replica_survives()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        // Acknowledged writes, counted apart from the keys: the 1,600 keys may all be written before the kill on a slow machine.
        long acks = 0;
        using var stop = new CancellationTokenSource();
        Task[] writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string key = $"w{w}-{i % 200}";
                string value = $"{w}-{i}";
                if (await set.SetAsync(key, value) == CacheStatus.Ok)
                {
                    acknowledged[key] = value;
                    Interlocked.Increment(ref acks);
                }
            }
        })).ToArray();

        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Interlocked.Read(ref acks) > 300)));
        await _cluster.Nodes[1].KillAsync();
        long atKill = Interlocked.Read(ref acks);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Interlocked.Read(ref acks) > atKill + 300)));
        stop.Cancel();
        await Task.WhenAll(writers);

        // Every write a client heard succeed is on both surviving replicas, with its last acknowledged value.
        Assert.All(acknowledged, pair =>
        {
            Assert.Equal(pair.Value, _cluster.Nodes[0].ValueOn(pair.Key));
            Assert.Equal(pair.Value, _cluster.Nodes[2].ValueOn(pair.Key));
        });
    }
}

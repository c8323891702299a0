using System.Diagnostics;
using System.Text.Json;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Cluster snapshots and restores around an application and under faults, with three silo processes: the hazelcast
/// profile against a Hazelcast member's REST API on loopback, and kill -9 of the coordinating silo or of a replica's
/// silo during a create or a restore.
/// </summary>
public sealed class SnapshotFaultTests
{
    private const string Memshack = MemshackCluster.Lenient;
    private static readonly string[] Finished = [ClusterSnapshotStatus.Committed, ClusterSnapshotStatus.Failed];
    private static readonly string[] RestoreFinished = [ClusterSnapshotRestoreStatus.Restored, ClusterSnapshotRestoreStatus.Failed];

    [Fact]
    public async Task The_hazelcast_profile_sets_the_cluster_passive_around_the_fence_of_a_create_and_a_restore_and_active_again_after_an_abort()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        using var hazelcast = new HazelcastMemberServer();
        // At each state change: the state, and the phase the run had recorded by then.
        var seen = new List<string>();
        string plural = "clustersnapshots", run = "hz";
        Func<Task>? onPassive = null;
        hazelcast.OnStateChanged = async state =>
        {
            if (state == HazelcastClusterState.Passive && onPassive is not null)
                await onPassive();
            string phase = await api.StatusAsync(plural, run) is { ValueKind: JsonValueKind.Object } status ? status.GetProperty("phase").GetString()! : "none";
            lock (seen)
                seen.Add($"{state} {phase}");
        };
        // Each change is recorded once its callback has read the phase.
        Task SeenAsync(int count, string what) => memshacks.Cluster.WaitUntilAsync(() =>
        {
            lock (seen)
                return Task.FromResult(seen.Count == count);
        }, TimeSpan.FromSeconds(10), what);
        string options = $"--address {hazelcast.Address} --cluster-name dev --timeout 5";
        await SeedAsync(memshacks, 100);

        // A create: PASSIVE once it is under way, ACTIVE once it is committed.
        await api.CreateAsync("hz", Memshack, SnapshotProfile.HazelcastName, options);
        JsonElement created = await api.WaitForPhaseAsync("clustersnapshots", "hz", Finished);
        Assert.True(created.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, created.ToString());
        await SeenAsync(2, "the cluster set ACTIVE again");
        Assert.Equal([$"PASSIVE {ClusterSnapshotStatus.Fencing}", $"ACTIVE {ClusterSnapshotStatus.Committed}"], seen);
        Assert.Equal("ACTIVE", hazelcast.State);

        // A restore of it pauses the application the same way.
        (plural, run) = ("clustersnapshotrestores", "hz-back");
        await api.RestoreAsync("hz-back", "hz");
        JsonElement restored = await api.WaitForPhaseAsync("clustersnapshotrestores", "hz-back", RestoreFinished);
        Assert.True(restored.GetProperty("phase").GetString() == ClusterSnapshotRestoreStatus.Restored, restored.ToString());
        await SeenAsync(4, "the cluster set ACTIVE after the restore");
        Assert.Equal([$"PASSIVE {ClusterSnapshotRestoreStatus.Fencing}", $"ACTIVE {ClusterSnapshotRestoreStatus.Restored}"], seen[2..]);

        // --nopause: no call at all.
        int calls = hazelcast.Calls.Count;
        await api.CreateAsync("hz-nopause", Memshack, SnapshotProfile.HazelcastName, "--nopause");
        JsonElement unpaused = await api.WaitForPhaseAsync("clustersnapshots", "hz-nopause", Finished);
        Assert.True(unpaused.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, unpaused.ToString());
        Assert.Equal(calls, hazelcast.Calls.Count);

        // A snapshot that aborts after the pause (a replica's silo killed while the cluster is PASSIVE) sets it ACTIVE again.
        (plural, run) = ("clustersnapshots", "hz-abort");
        onPassive = async () =>
        {
            onPassive = null;
            int coordinator = await api.CoordinatorAsync("hz-abort");
            await memshacks.Cluster.KillAsync((coordinator + 1) % 3);
        };
        await api.CreateAsync("hz-abort", Memshack, SnapshotProfile.HazelcastName, options);
        JsonElement aborted = await api.WaitForPhaseAsync("clustersnapshots", "hz-abort", Finished, TimeSpan.FromSeconds(90));
        Assert.True(aborted.GetProperty("phase").GetString() == ClusterSnapshotStatus.Failed, aborted.ToString());
        await SeenAsync(6, "the cluster set ACTIVE after the abort");
        Assert.Equal([$"PASSIVE {ClusterSnapshotStatus.Fencing}", $"ACTIVE {ClusterSnapshotStatus.Failed}"], seen[4..]);
        Assert.Equal("ACTIVE", hazelcast.State);
    }

    [Fact]
    public async Task The_coordinating_silo_killed_during_a_create_fails_it_and_the_next_coordinator_resumes_the_application()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        using var hazelcast = new HazelcastMemberServer();
        int killed = -1;
        hazelcast.OnStateChanged = async state =>
        {
            if (state != HazelcastClusterState.Passive || killed >= 0)
                return;
            killed = await api.CoordinatorAsync("orphaned");
            await memshacks.Cluster.KillAsync(killed);
        };
        await SeedAsync(memshacks, 100);

        await api.CreateAsync("orphaned", Memshack, SnapshotProfile.HazelcastName, $"--address {hazelcast.Address} --timeout 5");
        JsonElement status = await api.WaitForPhaseAsync("clustersnapshots", "orphaned", Finished, TimeSpan.FromSeconds(90));

        Assert.True(status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Failed, status.ToString());
        Assert.Contains("its coordinator stopped before it finished", status.GetProperty("message").GetString());
        Assert.False(status.TryGetProperty("manifest", out JsonElement manifest) && manifest.ValueKind == JsonValueKind.Object);
        // The next coordinator resumed what the dead one had paused.
        await memshacks.Cluster.WaitUntilAsync(() => Task.FromResult(hazelcast.State == "ACTIVE"), TimeSpan.FromSeconds(10), "the cluster set ACTIVE again");
        Assert.Equal(["PASSIVE", "ACTIVE"], hazelcast.Changes);
        // Writes go on through the surviving gateways, and no node kept a part of the snapshot.
        int[] survivors = [.. Enumerable.Range(0, 3).Where(n => n != killed)];
        await AssertWritesFlowAsync(memshacks, survivors[0], TimeSpan.FromSeconds(5));
        Assert.Equal(0UL, await api.EngineSnapshotsAsync(Memshack, survivors));
    }

    [Fact]
    public async Task A_replica_silo_killed_during_a_restore_leaves_every_shard_wholly_at_the_snapshot_or_wholly_as_before() =>
        await KillDuringRestoreAsync(coordinator: false);

    [Fact]
    public async Task The_coordinating_silo_killed_during_a_restore_leaves_every_shard_wholly_at_the_snapshot_or_wholly_as_before() =>
        await KillDuringRestoreAsync(coordinator: true);

    /// <summary>
    /// Kills a silo as soon as a restore records that it is under way; afterwards, once the silo is back and every replica
    /// is in sync, every shard's replicas are all equal to the snapshot or all equal to their state before the restore.
    /// </summary>
    private static async Task KillDuringRestoreAsync(bool coordinator)
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        await SeedAsync(memshacks, 3000);
        await api.CreateAsync("base", Memshack);
        JsonElement created = await api.WaitForPhaseAsync("clustersnapshots", "base", Finished);
        Assert.True(created.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, created.ToString());
        Dictionary<string, SortedDictionary<string, string>> taken = await ClusterSnapshotTests.CaptureAsync(memshacks, Memshack);

        // After the snapshot: overwrites, deletes and new keys, on every replica.
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Memshack, 1)))
        {
            for (int i = 0; i < 1000; i++)
                Assert.Equal("STORED", await client.SetAsync($"key-{i}", "changed"));
            for (int i = 1000; i < 1500; i++)
                Assert.Equal("DELETED", await client.CommandAsync($"delete key-{i}"));
            for (int i = 0; i < 500; i++)
                Assert.Equal("STORED", await client.SetAsync($"later-{i}", "new"));
        }
        await memshacks.Cluster.WaitUntilAsync(memshacks.AllReplicasInSyncAsync, TimeSpan.FromSeconds(30), "every replica in sync");
        Dictionary<string, SortedDictionary<string, string>> before = await ClusterSnapshotTests.CaptureAsync(memshacks, Memshack);

        await api.RestoreAsync("back", "base");
        await api.WaitForPhaseAsync("clustersnapshotrestores", "back",
            [ClusterSnapshotRestoreStatus.Fencing, ClusterSnapshotRestoreStatus.Restoring, .. RestoreFinished]);
        int coordinatorNode = await api.CoordinatorAsync("base");
        int victim = coordinator ? coordinatorNode : (coordinatorNode + 1) % 3;
        var sinceKill = Stopwatch.StartNew();
        await memshacks.Cluster.KillAsync(victim);

        JsonElement outcome = await api.WaitForPhaseAsync("clustersnapshotrestores", "back", RestoreFinished, TimeSpan.FromSeconds(120));
        string phase = outcome.GetProperty("phase").GetString()!;
        Assert.True(phase == ClusterSnapshotRestoreStatus.Restored || outcome.GetProperty("message").GetString() is { Length: > 0 }, outcome.ToString());
        // Writes flow again within the fence's lease of the kill, through a surviving gateway.
        await AssertWritesFlowAsync(memshacks, (victim + 1) % 3, SnapshotBarrier.RestoreLease + TimeSpan.FromSeconds(10) - sinceKill.Elapsed);

        // The silo returns; its replicas resync from the others.
        await memshacks.Cluster.RestartAsync(victim);
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        await memshacks.Cluster.WaitUntilAsync(memshacks.AllReplicasInSyncAsync, TimeSpan.FromSeconds(90), "every replica in sync after the return");
        Dictionary<string, SortedDictionary<string, string>> after = await ClusterSnapshotTests.CaptureAsync(memshacks, Memshack);
        foreach (SortedDictionary<string, string> items in after.Values)
            items.Remove(WrittenAfter);

        for (int shard = 0; shard < 3; shard++)
        {
            string[] replicas = [.. after.Keys.Where(k => k.StartsWith($"{shard}/", StringComparison.Ordinal)).Order()];
            bool atSnapshot = replicas.All(r => after[r].SequenceEqual(taken[r]));
            bool asBefore = replicas.All(r => after[r].SequenceEqual(before[r]));
            Assert.True(atSnapshot || asBefore,
                $"shard {shard} ({phase}: {outcome}) is neither wholly the snapshot nor wholly as before: " +
                string.Join("; ", replicas.Select(r => $"{r}: {after[r].Count} items, {after[r].Count(i => taken[r].GetValueOrDefault(i.Key) == i.Value)} as in the snapshot, " +
                    $"{after[r].Count(i => before[r].GetValueOrDefault(i.Key) == i.Value)} as before")));
            if (phase == ClusterSnapshotRestoreStatus.Restored)
                Assert.True(atSnapshot, $"shard {shard} is not at the snapshot, yet the restore says Restored");
        }
    }

    private const string WrittenAfter = "written-after-the-restore";

    private static async Task SeedAsync(MemshackCluster memshacks, int items)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Memshack, 0));
        for (int i = 0; i < items; i++)
            Assert.Equal("STORED", await client.SetAsync($"key-{i}", $"value-{i}"));
    }

    private static async Task AssertWritesFlowAsync(MemshackCluster memshacks, int gateway, TimeSpan within)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Memshack, gateway));
        var watch = Stopwatch.StartNew();
        Assert.Equal("STORED", await client.SetAsync(WrittenAfter, "v"));
        Assert.True(watch.Elapsed < within, $"a write took {watch.Elapsed}, more than {within}");
    }
}

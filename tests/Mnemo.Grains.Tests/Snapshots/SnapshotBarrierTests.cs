using System.Collections.Concurrent;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains.Tests;

/// <summary>
/// The cluster snapshot barrier over scripted participants: what it commits, and on every way it can
/// fail, that it releases the fence on every gateway and deletes the engine snapshots already taken.
/// </summary>
public sealed class SnapshotBarrierTests
{
    private const string Memshack = "default/cache";
    private static readonly MemshackTopology Topology = new(3, 2, ["node-a", "node-b", "node-c"]);
    private static readonly string[] Gateways = ["node-a", "node-b", "node-c"];

    [Fact]
    public async Task A_snapshot_holds_every_gateway_snapshots_every_replica_and_releases()
    {
        var nodes = new ScriptedNodes();
        var barrier = new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10));

        BarrierResult<ClusterSnapshotManifest> result = await barrier.SnapshotAsync(Memshack, Topology, Gateways);

        Assert.Equal(6, result.Value.Replicas.Length);
        Assert.Equal([0, 0, 1, 1, 2, 2], result.Value.Replicas.Select(r => r.Shard));
        Assert.Equal(3 * 10, result.Value.Items);
        Assert.Equal(Gateways, nodes.Held.Order());
        Assert.Equal(Gateways, nodes.Released.Order());
        Assert.Empty(nodes.Deleted);
        Assert.True(result.FenceDuration > TimeSpan.Zero);
        Assert.True(nodes.SnapshotsTakenWhileAllHeld, "a snapshot was taken before every gateway held its writes");
        Assert.Equal(Gateways, nodes.Checked.Order());
    }

    [Fact]
    public async Task A_node_failing_its_snapshot_aborts_with_its_reason_and_the_snapshots_taken_are_deleted()
    {
        var nodes = new ScriptedNodes { FailSnapshotOn = "node-b" };
        var barrier = new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10));

        var aborted = await Assert.ThrowsAsync<SnapshotAbortedException>(() => barrier.SnapshotAsync(Memshack, Topology, Gateways));

        Assert.Contains("region table full on node-b", aborted.Message);
        Assert.Equal(Gateways, nodes.Released.Order());
        Assert.NotEmpty(nodes.Taken);
        Assert.Equal(nodes.Taken.OrderBy(r => r.Node).ThenBy(r => r.Shard), nodes.Deleted.OrderBy(r => r.Node).ThenBy(r => r.Shard));
        Assert.DoesNotContain(nodes.Taken, r => r.Node == "node-b");
    }

    [Fact]
    public async Task A_gateway_that_never_drains_aborts_at_the_deadline_and_the_others_are_released()
    {
        var nodes = new ScriptedNodes { HangHoldOn = "node-c" };
        var barrier = new SnapshotBarrier(nodes, TimeSpan.FromMilliseconds(500));

        var aborted = await Assert.ThrowsAsync<SnapshotAbortedException>(() => barrier.SnapshotAsync(Memshack, Topology, Gateways));

        Assert.Contains("did not finish within", aborted.Message);
        Assert.Equal(Gateways, nodes.Released.Order());
        Assert.Empty(nodes.Taken);
    }

    [Fact]
    public async Task A_replica_out_of_sync_aborts_before_the_fence()
    {
        var nodes = new ScriptedNodes { BehindReplica = "node-a" };
        var barrier = new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10));

        var aborted = await Assert.ThrowsAsync<SnapshotAbortedException>(() => barrier.SnapshotAsync(Memshack, Topology, Gateways));

        Assert.Contains("node-a is needs_resync", aborted.Message);
        Assert.Empty(nodes.Taken);
        Assert.Empty(nodes.Held);
        Assert.Empty(nodes.Released);
    }

    [Fact]
    public async Task A_restore_needs_every_replica_node_and_a_failed_one_releases_the_fence()
    {
        var nodes = new ScriptedNodes();
        var manifest = (await new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).SnapshotAsync(Memshack, Topology, Gateways)).Value;
        nodes.Released.Clear();

        var missing = await Assert.ThrowsAsync<SnapshotAbortedException>(() =>
            new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).RestoreAsync(manifest, ["node-a", "node-b"]));
        Assert.Contains("node-c", missing.Message);
        Assert.Empty(nodes.Released);

        nodes.BehindReplica = "node-b";
        var behind = await Assert.ThrowsAsync<SnapshotAbortedException>(() => new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).RestoreAsync(manifest, Gateways));
        Assert.Contains("node-b is needs_resync", behind.Message);
        Assert.Empty(nodes.Released);
        Assert.Empty(nodes.Restored);
        nodes.BehindReplica = null;

        nodes.FailRestoreOn = "node-a";
        await Assert.ThrowsAsync<SnapshotAbortedException>(() => new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).RestoreAsync(manifest, Gateways));
        Assert.Equal(Gateways, nodes.Released.Order());

        nodes.FailRestoreOn = null;
        nodes.Released.Clear();
        nodes.Restored.Clear();
        BarrierResult<int> restored = await new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).RestoreAsync(manifest, Gateways);
        Assert.Equal(3, restored.Value);
        Assert.Equal(manifest.Replicas.OrderBy(r => r.Node).ThenBy(r => r.Shard), nodes.Restored.OrderBy(r => r.Node).ThenBy(r => r.Shard));
        Assert.Equal(Gateways, nodes.Released.Order());
        // The undo points go once the restore is done.
        Assert.Equal(["node-a", "node-a", "node-b", "node-b", "node-c", "node-c"], nodes.Ended.Order());
    }

    [Fact]
    public async Task A_restore_failing_on_one_node_switches_the_others_back_before_writes_flow_again()
    {
        var nodes = new ScriptedNodes();
        var manifest = (await new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).SnapshotAsync(Memshack, Topology, Gateways)).Value;
        nodes.Released.Clear();
        nodes.FailRestoreOn = "node-b";

        var aborted = await Assert.ThrowsAsync<SnapshotAbortedException>(() => new SnapshotBarrier(nodes, TimeSpan.FromSeconds(10)).RestoreAsync(manifest, Gateways));

        Assert.Contains("restore failed on node-b; 4 restored replicas switched back to their state before the restore", aborted.Message);
        // node-a and node-c restored theirs, then went back to their undo points while every gateway still held writes.
        Assert.Equal(["node-a", "node-a", "node-c", "node-c"], nodes.RolledBack.Order());
        Assert.Empty(nodes.Ended);
        Assert.True(nodes.RolledBackWhileAllHeld, "a replica was switched back after the fence was released");
        Assert.Equal(Gateways, nodes.Released.Order());
    }

    /// <summary>Participants that do what they are told and record it.</summary>
    internal sealed class ScriptedNodes : ISnapshotParticipants
    {
        private readonly ConcurrentDictionary<string, bool> _holding = new();
        private readonly ConcurrentDictionary<string, int> _pendingRestore = new();
        private ulong _nextId;

        public string? FailSnapshotOn { get; init; }
        public string? HangHoldOn { get; init; }
        public string? BehindReplica { get; set; }
        public string? FailRestoreOn { get; set; }
        public ConcurrentBag<string> Checked { get; } = [];
        public ConcurrentBag<string> Held { get; } = [];
        public ConcurrentBag<string> Released { get; } = [];
        public ConcurrentBag<ReplicaSnapshot> Taken { get; } = [];
        public ConcurrentBag<ReplicaSnapshot> Deleted { get; } = [];
        public ConcurrentBag<ReplicaSnapshot> Restored { get; } = [];
        public ConcurrentBag<string> RolledBack { get; } = [];
        public ConcurrentBag<string> Ended { get; } = [];
        public bool SnapshotsTakenWhileAllHeld { get; private set; } = true;
        public bool RolledBackWhileAllHeld { get; private set; } = true;

        public async Task HoldWritesAsync(string node, string memshack, TimeSpan lease)
        {
            if (node == HangHoldOn)
                await Task.Delay(Timeout.Infinite);
            Held.Add(node);
            _holding[node] = true;
        }

        public Task ReleaseWritesAsync(string node, string memshack)
        {
            Released.Add(node);
            _holding[node] = false;
            return Task.CompletedTask;
        }

        public Task CheckAsync(string node, string memshack, int[] shards)
        {
            Checked.Add(node);
            return node == BehindReplica
                ? Task.FromException(new InvalidOperationException($"{memshack} shard {shards[0]}: the replica on {node} is needs_resync with 3 pending hints"))
                : Task.CompletedTask;
        }

        public async Task<ReplicaSnapshot[]> SnapshotAsync(string node, string memshack, int[] shards)
        {
            if (node == FailSnapshotOn)
            {
                await Task.Delay(50); // the others finish theirs first
                throw new InvalidOperationException($"region table full on {node}");
            }
            SnapshotsTakenWhileAllHeld &= _holding.Count == 3 && _holding.Values.All(h => h);
            ReplicaSnapshot[] taken = shards.Select(s => new ReplicaSnapshot(node, s, $"memshack.default.cache.{s}", Interlocked.Increment(ref _nextId), 10, 100))
                .ToArray();
            foreach (ReplicaSnapshot snapshot in taken)
                Taken.Add(snapshot);
            return taken;
        }

        public async Task RestoreAsync(string node, string memshack, ReplicaSnapshot[] snapshots)
        {
            if (node == FailRestoreOn)
            {
                await Task.Delay(50); // the others finish theirs first
                throw new InvalidOperationException($"restore failed on {node}");
            }
            foreach (ReplicaSnapshot snapshot in snapshots)
                Restored.Add(snapshot);
            _pendingRestore[node] = snapshots.Length;
        }

        public Task<int> RollBackRestoreAsync(string node, string memshack)
        {
            RolledBackWhileAllHeld &= _holding.Count == 3 && _holding.Values.All(h => h);
            int switchedBack = _pendingRestore.TryRemove(node, out int count) ? count : 0;
            for (int i = 0; i < switchedBack; i++)
                RolledBack.Add(node);
            return Task.FromResult(switchedBack);
        }

        public Task<int> EndRestoreAsync(string node, string memshack)
        {
            int ended = _pendingRestore.TryRemove(node, out int count) ? count : 0;
            for (int i = 0; i < ended; i++)
                Ended.Add(node);
            return Task.FromResult(ended);
        }

        public Task<int> DeleteAsync(string node, ReplicaSnapshot[] snapshots)
        {
            foreach (ReplicaSnapshot snapshot in snapshots)
                Deleted.Add(snapshot);
            return Task.FromResult(snapshots.Length);
        }
    }
}

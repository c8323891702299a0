using System.Diagnostics;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains;

/// <summary>
/// The barrier of a cluster snapshot and of its restore, over the nodes of one Memshack:
/// <list type="number">
/// <item>before the fence, every replica node checks that it serves its shards with every replica in sync
/// (which also activates the node grains, so the fence waits for no activation);</item>
/// <item>fence: every gateway node holds new writes to the Memshack and drains those in flight (reads keep
/// flowing); the hold is a lease, so writes flow again by themselves should this coordinator die;</item>
/// <item>every replica node checks again and takes the engine snapshots of its replicas (O(1)), or switches
/// them to their snapshots for a restore (a replica that missed writes would be snapshotted at a state no client saw);</item>
/// <item>release the fence.</item>
/// </list>
/// A restore checks the replicas the same way before its fence, then has every replica node switch its replicas to their snapshots,
/// each after taking an undo point; an aborted restore switches the replicas that were switched back to their undo points before it
/// releases the fence, so every shard is wholly at the snapshot or wholly at its state before.
/// Everything inside the fence must finish before <see cref="FenceDeadline"/> (less than the lease), or it
/// aborts. Any failure aborts: the fence is released on every node and the engine snapshots already taken
/// are deleted, then <see cref="SnapshotAbortedException"/> carries the reason.
/// </summary>
public sealed class SnapshotBarrier(ISnapshotParticipants nodes, TimeSpan fenceLease)
{
    /// <summary>The lease of a snapshot's fence: taking O(1) engine snapshots needs milliseconds.</summary>
    public static readonly TimeSpan SnapshotLease = TimeSpan.FromSeconds(10);

    /// <summary>The lease of a restore's fence: a restore rebuilds each replica's live view, O(items).</summary>
    public static readonly TimeSpan RestoreLease = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan CleanUpWait = TimeSpan.FromSeconds(5);

    /// <summary>The fenced work must be done by then: the lease less a margin for the release calls.</summary>
    public TimeSpan FenceDeadline => fenceLease * 0.8;

    /// <summary>Takes the snapshot of <paramref name="memshack"/>; <paramref name="gateways"/> are the nodes serving its gateways.</summary>
    public async Task<BarrierResult<ClusterSnapshotManifest>> SnapshotAsync(string memshack, MemshackTopology topology, IReadOnlyCollection<string> gateways,
        Action<string>? phase = null)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(memshack, topology.Shards, topology.Replicas, topology.Nodes);
        Dictionary<string, int[]> shardsByNode = topology.Nodes
            .Select(node => (node, shards: Enumerable.Range(0, map.Count).Where(s => map[s].Contains(node)).ToArray()))
            .Where(x => x.shards.Length > 0)
            .ToDictionary(x => x.node, x => x.shards, StringComparer.Ordinal);
        await CheckAsync(memshack, shardsByNode);

        var taken = new List<ReplicaSnapshot>();
        var fence = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(FenceDeadline);
        try
        {
            phase?.Invoke(ClusterSnapshotStatus.Fencing);
            await HoldAsync(memshack, gateways, deadline.Token);
            phase?.Invoke(ClusterSnapshotStatus.Snapshotting);
            Task<ReplicaSnapshot[]>[] snapshots = shardsByNode.Select(n => nodes.SnapshotAsync(n.Key, memshack, n.Value)).ToArray();
            try
            {
                await Task.WhenAll(snapshots).WaitAsync(deadline.Token);
            }
            finally
            {
                // Whatever finished is kept for the manifest, or deleted below on abort.
                taken.AddRange(snapshots.Where(t => t.IsCompletedSuccessfully).SelectMany(t => t.Result));
            }
        }
        catch (Exception e)
        {
            string reason = Reason(e, deadline.IsCancellationRequested, "snapshot");
            await ReleaseAsync(memshack, gateways);
            await DeletePartialAsync(taken);
            throw new SnapshotAbortedException(reason, e);
        }
        await ReleaseAsync(memshack, gateways);
        fence.Stop();
        var manifest = new ClusterSnapshotManifest(memshack, topology, [.. taken.OrderBy(r => r.Shard).ThenBy(r => r.Node, StringComparer.Ordinal)],
            DateTimeOffset.UtcNow);
        return new BarrierResult<ClusterSnapshotManifest>(manifest, fence.Elapsed);
    }

    /// <summary>Brings every replica in <paramref name="manifest"/> back to its snapshot; fails when a replica node is not among <paramref name="gateways"/>.</summary>
    public async Task<BarrierResult<int>> RestoreAsync(ClusterSnapshotManifest manifest, IReadOnlyCollection<string> gateways, Action<string>? phase = null)
    {
        string memshack = manifest.Memshack;
        string[] missing = manifest.Replicas.Select(r => r.Node).Distinct().Where(n => !gateways.Contains(n)).ToArray();
        if (missing.Length > 0)
            throw new SnapshotAbortedException($"replica nodes not active: {string.Join(", ", missing)}");
        // Hints a replica still waits for would bring writes from after the snapshot back once it is restored.
        await CheckAsync(memshack, manifest.Replicas.GroupBy(r => r.Node).ToDictionary(g => g.Key, g => g.Select(r => r.Shard).ToArray()));
        string[] replicaNodes = [.. manifest.Replicas.Select(r => r.Node).Distinct()];
        var fence = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(FenceDeadline);
        try
        {
            phase?.Invoke(ClusterSnapshotRestoreStatus.Fencing);
            await HoldAsync(memshack, gateways, deadline.Token);
            phase?.Invoke(ClusterSnapshotRestoreStatus.Restoring);
            await Task.WhenAll(manifest.Replicas.GroupBy(r => r.Node).Select(g => nodes.RestoreAsync(g.Key, memshack, [.. g]))).WaitAsync(deadline.Token);
        }
        catch (Exception e)
        {
            string reason = Reason(e, deadline.IsCancellationRequested, "restore");
            string rolledBack = await RollBackAsync(memshack, replicaNodes, fenceLease * 0.95 - fence.Elapsed);
            await ReleaseAsync(memshack, gateways);
            throw new SnapshotAbortedException($"{reason}; {rolledBack}", e);
        }
        await ReleaseAsync(memshack, gateways);
        fence.Stop();
        await Task.WhenAll(replicaNodes.Select(node => IgnoreFailure(nodes.EndRestoreAsync(node, memshack))));
        return new BarrierResult<int>(manifest.Topology.Shards, fence.Elapsed);
    }

    /// <summary>
    /// Ends a restore whose coordinator stopped inside its fence (its silo died): the replica nodes that switched switch
    /// back (see <see cref="RollBackAsync"/>) and the fence is released, if its lease has not ended it yet. What happened, for the reason.
    /// </summary>
    public async Task<string> AbandonRestoreAsync(ClusterSnapshotManifest manifest, IReadOnlyCollection<string> gateways)
    {
        string rolledBack = await RollBackAsync(manifest.Memshack, [.. manifest.Replicas.Select(r => r.Node).Distinct()], FenceDeadline);
        await ReleaseAsync(manifest.Memshack, gateways);
        return rolledBack;
    }

    /// <summary>
    /// No shard may keep some replicas at the snapshot and others at their state before: every replica node that switched
    /// switches back to its undo points while writes are still held (waiting at most <paramref name="wait"/>). A node that
    /// failed its restore switched back by itself, and one that died holds each region whole: when it returns its replicas
    /// resync by version from the others, towards the state before the restore, which is the newer one. What happened, for the reason.
    /// </summary>
    public async Task<string> RollBackAsync(string memshack, IReadOnlyCollection<string> replicaNodes, TimeSpan wait)
    {
        var failures = new List<string>();
        int switchedBack = 0;
        await Task.WhenAll(replicaNodes.Select(async node =>
        {
            try
            {
                Interlocked.Add(ref switchedBack, await nodes.RollBackRestoreAsync(node, memshack).WaitAsync(wait > CleanUpWait ? wait : CleanUpWait));
            }
            catch (Exception e)
            {
                lock (failures)
                    failures.Add($"{node}: {(e is AggregateException a ? a.InnerExceptions[0] : e).GetBaseException().Message}");
            }
        }));
        string done = $"{switchedBack} restored replicas switched back to their state before the restore";
        return failures.Count == 0
            ? done
            : $"{done}; not reached: {string.Join("; ", failures)} (a node that died resyncs its replicas from the others when it returns)";
    }

    /// <summary>Deletes every engine snapshot of <paramref name="manifest"/>; throws when a node did not answer (nothing else is left undone).</summary>
    public async Task DeleteAsync(ClusterSnapshotManifest manifest)
    {
        var failures = new List<string>();
        foreach (IGrouping<string, ReplicaSnapshot> node in manifest.Replicas.GroupBy(r => r.Node))
        {
            try
            {
                await nodes.DeleteAsync(node.Key, [.. node]);
            }
            catch (Exception e)
            {
                failures.Add($"{node.Key}: {e.Message}");
            }
        }
        if (failures.Count > 0)
            throw new SnapshotAbortedException($"engine snapshots not deleted on {string.Join("; ", failures)}");
    }

    /// <summary>Every replica node checks its shards before the fence: a refusal costs no write hold, and the node grains are active by the fence.</summary>
    private async Task CheckAsync(string memshack, Dictionary<string, int[]> shardsByNode)
    {
        try
        {
            await Task.WhenAll(shardsByNode.Select(n => nodes.CheckAsync(n.Key, memshack, n.Value))).WaitAsync(FenceDeadline);
        }
        catch (Exception e)
        {
            throw new SnapshotAbortedException(Reason(e, e is TimeoutException, "check before the fence"), e);
        }
    }

    private async Task HoldAsync(string memshack, IReadOnlyCollection<string> gateways, CancellationToken deadline) =>
        await Task.WhenAll(gateways.Select(node => nodes.HoldWritesAsync(node, memshack, fenceLease))).WaitAsync(deadline);

    private async Task ReleaseAsync(string memshack, IReadOnlyCollection<string> gateways) =>
        await Task.WhenAll(gateways.Select(node => IgnoreFailure(nodes.ReleaseWritesAsync(node, memshack))));

    private async Task DeletePartialAsync(List<ReplicaSnapshot> taken) =>
        await Task.WhenAll(taken.GroupBy(r => r.Node).Select(g => IgnoreFailure(nodes.DeleteAsync(g.Key, [.. g]))));

    private string Reason(Exception e, bool deadlinePassed, string what) =>
        deadlinePassed && e is OperationCanceledException or TimeoutException
            ? $"the {what} did not finish within {FenceDeadline.TotalSeconds:0.#} s (a node did not answer)"
            : (e is AggregateException a ? a.InnerExceptions[0] : e).GetBaseException().Message;

    /// <summary>Waits for a clean-up call, at most <see cref="CleanUpWait"/>: a dead node's call would otherwise wait for the messaging timeout.</summary>
    private static async Task IgnoreFailure(Task task)
    {
        try
        {
            await task.WaitAsync(CleanUpWait);
        }
        catch (Exception)
        {
            // A hold ends with its lease; an engine snapshot a dead node kept goes with the abort's report.
        }
    }
}

/// <summary>What a barrier produced and how long writes were held for it.</summary>
public sealed record BarrierResult<T>(T Value, TimeSpan FenceDuration);

/// <summary>A snapshot or restore aborted: its fence released and its partial snapshots deleted.</summary>
public sealed class SnapshotAbortedException(string message, Exception? inner = null) : Exception(message, inner);

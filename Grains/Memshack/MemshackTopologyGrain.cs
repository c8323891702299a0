using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Orleans.Runtime;

namespace Mnemo.Grains;

/// <summary>
/// Moves a Memshack from the topology it is served with to the one its spec asks for over the
/// cluster's known nodes (<see cref="IKnownNodes"/>: a node joins on its silo's first start and leaves
/// when an operator removes it), while it serves, and records every step in the resource's status so
/// that whoever activates this grain next (after its silo died) resumes from there. Each step is idempotent and asked of every active silo:
/// <list type="number">
/// <item><b>Mirroring</b>: every silo starts writing into both topologies (the old one decides).</item>
/// <item><b>Copying</b>: for each shard of the old topology, a silo holding an in-sync replica copies it
/// into the new topology (another replica's silo when it fails); versions keep mirrored writes newer.</item>
/// <item><b>Switching</b>: every silo holds its writes (a lease of <see cref="HoldLease"/>, so a dead
/// coordinator never stops writes for longer) and drains them; the new topology is recorded; every silo
/// turns to it and lets writes go.</item>
/// <item><b>Cleaning</b>: every silo drops the replicas it no longer holds and deletes keys routed elsewhere.</item>
/// </list>
/// A key is in the old topology until the switch and in the new one from the copy on, so it is never in
/// neither; no write is lost because the old topology decides every write until all gateways turn at once.
/// A joining node that is not Active is waited for, and left out of the placement after a grace period
/// (<see cref="JoiningNodes"/>); the status names it and records since when it is waited for (<c>status.placement</c>),
/// so the grace period ends on time whichever activation of this grain counts it.
/// </summary>
public sealed class MemshackTopologyGrain(IMemshackStatusStore store, IKnownNodes knownNodes, IClusterMembershipService membership,
    IOptions<MemshackPlacementOptions> placementOptions, ILogger<MemshackTopologyGrain> logger)
    : Grain, IMemshackTopologyGrain
{
    private readonly JoiningNodes _joining = new(placementOptions.Value.JoinGrace);

    private static readonly TimeSpan HoldLease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    private Task? _running;
    private MemshackMove? _move;
    private string? _waiting;

    private string Key => this.GetPrimaryKeyString();

    public async Task<MemshackMove?> ReconcileAsync()
    {
        if (_running is { IsCompleted: false })
            return _move;
        (string ns, string name) = ResourceKey.Split(Key);
        MemshackState? state = await store.ReadAsync(ns, name, CancellationToken.None);
        if (state is null)
            return null;
        IReadOnlyList<string> known = await knownNodes.ListAsync(CancellationToken.None);
        // The nodes of a move under way hold replicas too: it goes on with them, whatever their state.
        string[] placedOver = [.. state.Served?.Nodes ?? [], .. state.Move is { UnderWay: true } underWay ? underWay.To.Nodes : []];
        // The waits for joining nodes go on from what the status records, whichever activation recorded them.
        NodePlacement placement = _joining.Place([.. known.Order(StringComparer.Ordinal)], placedOver, ActiveNodes().ToHashSet(StringComparer.Ordinal),
            state.Placement?.InactiveSince ?? [], DateTimeOffset.UtcNow);
        await RecordPlacementAsync(ns, name, state.Placement, placement);
        var desired = new MemshackTopology(state.Resource.Spec.NumShards, state.Resource.Spec.NumReplicas, [.. placement.Nodes]);
        if (state.Served is null)
        {
            if (NotPlaceable(desired, placement) is { } reason)
            {
                LogWaiting(Key, desired.ToString(), reason);
                return null;
            }
            await store.WriteAsync(ns, name, desired, null, CancellationToken.None);
            return null;
        }
        MemshackMove? move = state.Move is { UnderWay: true } recorded ? recorded : null;
        if (move is null)
        {
            if (state.Served.SameAs(desired))
                return null;
            if (NotPlaceable(desired, placement) is { } reason)
            {
                LogWaiting(Key, desired.ToString(), reason);
                return null;
            }
            move = new MemshackMove(MemshackMove.Mirroring, state.Served, desired, [], 0, 0, 0, DateTimeOffset.UtcNow);
            await store.WriteAsync(ns, name, state.Served, move, CancellationToken.None);
            LogMoveStarted(Key, move.From.ToString(), move.To.ToString());
        }
        _move = move;
        _running = RunAsync(ns, name, move);
        return move;
    }

    /// <summary>
    /// Why the Memshack cannot be placed over <paramref name="desired"/> now, or null: too few nodes for its
    /// replicas, or a joining node not active yet within its grace period; its new replicas are filled by the
    /// copy, which needs its silo up.
    /// </summary>
    private string? NotPlaceable(MemshackTopology desired, NodePlacement placement)
    {
        if (desired.Nodes.Length < desired.Replicas)
            return $"{desired.Replicas} replicas need {desired.Replicas} known nodes, {desired.Nodes.Length} can be placed over"
                + (placement.LeftOut.Count == 0 ? "" : $" ({string.Join(", ", placement.LeftOut)} left out: not active)");
        return placement.WaitingFor.Count == 0 ? null : $"the joining nodes {string.Join(", ", placement.WaitingFor)} are not active yet";
    }

    /// <summary>Records in the status which joining nodes are waited for or left out, and since when, unless it says so already.</summary>
    private async Task RecordPlacementAsync(string ns, string name, MemshackPlacementNotice? recorded, NodePlacement placement)
    {
        MemshackPlacementNotice? notice = MemshackPlacementNotice.Of(placement, _joining.Grace);
        if (MemshackPlacementNotice.Same(recorded, notice))
            return;
        await store.WritePlacementAsync(ns, name, notice, CancellationToken.None);
        if (notice is not null)
            logger.LogWarning("Memshack {Memshack}: {Placement}", Key, notice.Message);
    }

    /// <summary>Runs the move's steps to the end, retrying a failed step (each is idempotent) until the Memshack is gone.</summary>
    private async Task RunAsync(string ns, string name, MemshackMove move)
    {
        // Stay active while moving: the steps are driven from here, not by calls.
        DelayDeactivation(TimeSpan.FromHours(1));
        MemshackMove current = move;
        while (true)
        {
            try
            {
                MemshackMove? next = current.Phase switch
                {
                    MemshackMove.Mirroring => await MirrorAsync(current),
                    MemshackMove.Copying => await CopyAsync(ns, name, current),
                    MemshackMove.Switching => await SwitchAsync(ns, name, current),
                    _ => await CleanAsync(ns, name, current),
                };
                if (next is null)
                    break;
                // The switch records Cleaning itself, before any gateway turns.
                if (next.Phase != MemshackMove.Cleaning)
                    await RecordAsync(ns, name, next.From, next);
                _move = current = next;
            }
            catch (MoveSupersededException e)
            {
                // Another activation is ahead on this move: it finishes it.
                LogStepFailed(Key, current.Phase, e.Message);
                break;
            }
            catch (Exception e)
            {
                LogStepFailed(Key, current.Phase, e.Message);
                await Task.Delay(RetryDelay);
                MemshackState? state = await ReadQuietlyAsync(ns, name);
                if (state is null)
                    return;
                if (state.Move is { UnderWay: true } recorded && recorded.To.SameAs(current.To))
                    current = recorded with { Message = e.Message };
            }
        }
        _move = null;
        DelayDeactivation(TimeSpan.Zero);
    }

    private async Task<MemshackMove> MirrorAsync(MemshackMove move)
    {
        await Task.WhenAll(ActiveNodes().Select(node => Node(node).BeginMoveAsync(Key, move.From, move.To)));
        return move with { Phase = MemshackMove.Copying, Message = null };
    }

    private async Task<MemshackMove> CopyAsync(string ns, string name, MemshackMove move)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(Key, move.From.Shards, move.From.Replicas, move.From.Nodes);
        IReadOnlyList<IReadOnlyList<string>> next = ReplicaPlacement.ShardMap(Key, move.To.Shards, move.To.Replicas, move.To.Nodes);
        var done = new SortedSet<int>(move.ShardsDone);
        // With the shard count unchanged no key changes shard: a shard placed only on nodes that hold it now needs no copy.
        if (move.From.Shards == move.To.Shards)
            done.UnionWith(Enumerable.Range(0, move.From.Shards).Where(shard => next[shard].All(map[shard].Contains)));
        Dictionary<int, long> items = await CountItemsAsync(map, done);
        move = move with { ShardsDone = [.. done], KeysRemaining = items.Values.Sum() };
        await RecordAsync(ns, name, move.From, move);
        for (int shard = 0; shard < move.From.Shards; shard++)
        {
            if (done.Contains(shard))
                continue;
            ShardMoveProgress copied = await CopyShardAsync(ns, name, move, shard, map[shard]);
            done.Add(shard);
            move = move with
            {
                ShardsDone = [.. done], KeysScanned = move.KeysScanned + copied.Scanned, KeysMoved = move.KeysMoved + copied.Moved,
                KeysCopied = move.KeysCopied + copied.Copied, KeysRemaining = Math.Max(0, move.KeysRemaining - items[shard]),
            };
            await RecordAsync(ns, name, move.From, move);
        }
        return move with { Phase = MemshackMove.Switching, Message = null };
    }

    /// <summary>The items of each shard not copied yet, as the first of its replica nodes that answers counts them (0 when none does).</summary>
    private async Task<Dictionary<int, long>> CountItemsAsync(IReadOnlyList<IReadOnlyList<string>> map, SortedSet<int> done)
    {
        var items = new Dictionary<int, long>();
        HashSet<string> active = ActiveNodes().ToHashSet(StringComparer.Ordinal);
        for (int shard = 0; shard < map.Count; shard++)
        {
            items[shard] = 0;
            if (done.Contains(shard))
                continue;
            foreach (string holder in map[shard].Where(active.Contains))
            {
                try
                {
                    items[shard] = await Node(holder).CountShardItemsAsync(Key, shard);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStepFailed(Key, "count", e.Message);
                }
            }
        }
        return items;
    }

    /// <summary>Has a silo holding a replica of <paramref name="shard"/> copy it, trying the next one when it fails or dies.</summary>
    private async Task<ShardMoveProgress> CopyShardAsync(string ns, string name, MemshackMove move, int shard, IReadOnlyList<string> holders)
    {
        var reasons = new List<string>();
        HashSet<string> active = ActiveNodes().ToHashSet(StringComparer.Ordinal);
        foreach (string holder in holders.Where(active.Contains))
        {
            try
            {
                DateTime reported = DateTime.UtcNow;
                while (true)
                {
                    ShardMoveProgress progress = await Node(holder).MoveShardAsync(Key, shard);
                    if (progress.Failure is { } failure)
                    {
                        reasons.Add($"{holder}: {failure}");
                        break;
                    }
                    if (progress.Done)
                        return progress;
                    if (DateTime.UtcNow - reported > ProgressInterval)
                    {
                        reported = DateTime.UtcNow;
                        await RecordAsync(ns, name, move.From, move with
                        {
                            KeysScanned = move.KeysScanned + progress.Scanned, KeysMoved = move.KeysMoved + progress.Moved,
                            KeysCopied = move.KeysCopied + progress.Copied, KeysRemaining = Math.Max(0, move.KeysRemaining - progress.Scanned),
                        });
                    }
                    await Task.Delay(PollInterval);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                reasons.Add($"{holder}: {e.Message}");
            }
        }
        throw new InvalidOperationException($"shard {shard} could not be copied: {(reasons.Count == 0 ? "none of its replica nodes is active" : string.Join("; ", reasons))}");
    }

    private async Task<MemshackMove> SwitchAsync(string ns, string name, MemshackMove move)
    {
        string[] nodes = ActiveNodes().ToArray();
        try
        {
            await Task.WhenAll(nodes.Select(node => Node(node).HoldWritesAsync(Key, HoldLease)));
        }
        catch
        {
            await Task.WhenAll(nodes.Select(node => IgnoreFailure(Node(node).ReleaseWritesAsync(Key))));
            throw;
        }
        // Recorded before any gateway turns: a silo that restarts from here on serves the new topology.
        MemshackMove switched = move with { Phase = MemshackMove.Cleaning, Message = null };
        await RecordAsync(ns, name, move.To, switched);
        await Task.WhenAll(nodes.Select(node => Node(node).CompleteMoveAsync(Key, move.To)));
        LogSwitched(Key, move.To.ToString());
        return switched;
    }

    private async Task<MemshackMove?> CleanAsync(string ns, string name, MemshackMove move)
    {
        string[] nodes = ActiveNodes().ToArray();
        // A silo that missed the switch (a failed call) turns now; for the others this does nothing.
        await Task.WhenAll(nodes.Select(node => Node(node).CompleteMoveAsync(Key, move.To)));
        long[] deleted = await Task.WhenAll(nodes.Select(node => Node(node).CleanUpMoveAsync(Key, move.To)));
        double seconds = (DateTimeOffset.UtcNow - move.StartedAt).TotalSeconds;
        await RecordAsync(ns, name, move.To, move with { Phase = MemshackMove.Done, Message = $"moved in {seconds:0.0} s" });
        LogMoveDone(Key, move.To.ToString(), move.KeysMoved, deleted.Sum(), seconds);
        return null;
    }

    /// <summary>
    /// Records a step of the move unless the status is already further along it: around a silo's death two
    /// activations of this grain may run the same move for a moment, and the one behind must not set it back.
    /// </summary>
    private async Task RecordAsync(string ns, string name, MemshackTopology served, MemshackMove move)
    {
        MemshackState? state = await store.ReadAsync(ns, name, CancellationToken.None);
        if (state?.Move is { } recorded && recorded.To.SameAs(move.To) && Rank(recorded.Phase) > Rank(move.Phase))
            throw new MoveSupersededException($"the status already records {recorded.Phase}");
        await store.WriteAsync(ns, name, served, move, CancellationToken.None);
    }

    private static int Rank(string phase) => Array.IndexOf(PhaseOrder, phase);

    private static readonly string[] PhaseOrder =
        [MemshackMove.Mirroring, MemshackMove.Copying, MemshackMove.Switching, MemshackMove.Cleaning, MemshackMove.Done];

    private sealed class MoveSupersededException(string message) : Exception(message);

    private async Task<MemshackState?> ReadQuietlyAsync(string ns, string name)
    {
        while (true)
        {
            try
            {
                return await store.ReadAsync(ns, name, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogStepFailed(Key, "read", e.Message);
                await Task.Delay(RetryDelay);
            }
        }
    }

    private IEnumerable<string> ActiveNodes() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Distinct();

    private IMemshackNodeGrain Node(string node) => GrainFactory.GetGrain<IMemshackNodeGrain>(node);

    private static async Task IgnoreFailure(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The hold ends with its lease anyway.
        }
    }

    private void LogMoveStarted(string memshack, string from, string to) =>
        logger.LogInformation("Memshack {Memshack} moves from {From} to {To}", memshack, from, to);

    /// <summary>Logged once per reason: every silo asks again every few seconds.</summary>
    private void LogWaiting(string memshack, string to, string reason)
    {
        if (_waiting == $"{to}: {reason}")
            return;
        _waiting = $"{to}: {reason}";
        logger.LogInformation("Memshack {Memshack} waits to be placed as {To}: {Reason}", memshack, to, reason);
    }

    private void LogStepFailed(string memshack, string phase, string reason) =>
        logger.LogWarning("Memshack {Memshack} move, step {Phase}, failed and is retried: {Reason}", memshack, phase, reason);

    private void LogSwitched(string memshack, string to) =>
        logger.LogInformation("Memshack {Memshack} switched to {To} on every silo", memshack, to);

    private void LogMoveDone(string memshack, string to, long moved, long deleted, double seconds) =>
        logger.LogInformation("Memshack {Memshack} moved to {To}: {Moved} keys moved, {Deleted} left-behind copies deleted, {Seconds:0.0} s",
            memshack, to, moved, deleted, seconds);
}

using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Orleans.Runtime;

namespace Mnemo.Grains;

/// <summary>
/// Runs one <c>ClusterSnapshot</c> resource: takes the snapshot through a <see cref="SnapshotBarrier"/>
/// (between its <see cref="SnapshotProfile"/>'s hooks) and commits its manifest to the resource's status, runs the <c>ClusterSnapshotRestore</c> resources
/// that name it, and drops its engine snapshots when the resource is deleted (then removes the
/// finalizer). One run at a time per snapshot, driven from here after the call that started it returned.
/// A run that an earlier activation left unfinished in the status (its silo died) is recorded as failed:
/// its fence ended with its lease. Each step is published as <see cref="SnapshotProgress"/> on the snapshot's
/// stream (<see cref="SnapshotProgressPublisher"/>), queued without waiting inside the fence.
/// </summary>
public sealed class ClusterSnapshotGrain(IClusterSnapshotStore store, IMemshackStatusStore memshacks, ISnapshotParticipants participants, SnapshotHooks hooks,
    IClusterMembershipService membership, ILogger<ClusterSnapshotGrain> logger) : Grain, IClusterSnapshotGrain
{
    private const string CoordinatorLost = "its coordinator stopped before it finished (the silo running it left); nothing of it is kept";

    private Task? _running;
    private ClusterSnapshotStatus? _status;
    private string? _restore;
    private ClusterSnapshotRestoreStatus? _restoreStatus;
    private SnapshotProgressPublisher? _progress;

    private string Key => this.GetPrimaryKeyString();

    private SnapshotProgressPublisher Progress =>
        _progress ??= SnapshotProgressPublisher.For(this.GetStreamProvider(SnapshotProgress.StreamProvider), Key, logger);

    public async Task<ClusterSnapshotStatus?> ReconcileAsync()
    {
        if (_running is { IsCompleted: false })
            return _status;
        (string ns, string name) = ResourceKey.Split(Key);
        ClusterSnapshotResource? resource = await store.ReadAsync(ns, name, CancellationToken.None);
        if (resource is null)
            return null;
        if (resource.Deleting)
        {
            _status = (resource.Status ?? ClusterSnapshotStatus.Of(ClusterSnapshotStatus.Pending)) with { Phase = ClusterSnapshotStatus.Deleting };
            Publish(_status);
            _running = Run(DeleteAsync(resource));
            return _status;
        }
        if (resource.Status is { Finished: true } finished)
            return finished;
        if (resource.Status is { Phase: not ClusterSnapshotStatus.Pending } unfinished)
        {
            _status = unfinished with { Phase = ClusterSnapshotStatus.Failed, Message = CoordinatorLost };
            await store.WriteStatusAsync(ns, name, _status, CancellationToken.None);
            LogFailed(Key, CoordinatorLost);
            // The application may have been paused by the run that died.
            if (await ResumeAsync(LostRunPause(resource, SnapshotHooks.Create, ResourceKey.Of(resource.TargetNamespace, resource.Memshack))) is { } resumeFailure)
            {
                _status = _status with { Message = $"{CoordinatorLost}; {resumeFailure}" };
                await store.WriteStatusAsync(ns, name, _status, CancellationToken.None);
            }
            Publish(_status);
            await Progress.FlushAsync();
            return _status;
        }
        _status = ClusterSnapshotStatus.Of(ClusterSnapshotStatus.Pending);
        Publish(_status);
        _running = Run(CreateAsync(resource));
        return _status;
    }

    public async Task<ClusterSnapshotRestoreStatus?> ReconcileRestoreAsync(string restore)
    {
        if (_running is { IsCompleted: false })
            return _restore == restore ? _restoreStatus : new ClusterSnapshotRestoreStatus(ClusterSnapshotRestoreStatus.Pending, 0, 0, null, null, null);
        (string ns, string snapshot) = ResourceKey.Split(Key);
        ClusterSnapshotRestoreResource? resource = await store.ReadRestoreAsync(ns, restore, CancellationToken.None);
        if (resource is null || resource.Snapshot != snapshot)
            return null;
        if (resource.Status is { Finished: true } finished)
            return finished;
        if (resource.Status is { Phase: not ClusterSnapshotRestoreStatus.Pending } unfinished)
        {
            // Some replicas may have switched and others not: those that did switch back, so every shard is as before it.
            ClusterSnapshotResource? taken = await store.ReadAsync(ns, snapshot, CancellationToken.None);
            string rolledBack = taken is { Status.Manifest: { } manifest }
                ? await new SnapshotBarrier(participants, SnapshotBarrier.RestoreLease).AbandonRestoreAsync(manifest, ActiveNodes())
                : "its snapshot is gone";
            var lost = unfinished with { Phase = ClusterSnapshotRestoreStatus.Failed, Message = $"its coordinator stopped before it finished ({rolledBack}); restore again" };
            if (taken is { Status.Manifest: { } resumed } && await ResumeAsync(LostRunPause(taken, SnapshotHooks.Restore, resumed.Memshack)) is { } resumeFailure)
                lost = lost with { Message = $"{lost.Message}; {resumeFailure}" };
            await store.WriteRestoreStatusAsync(ns, restore, lost, CancellationToken.None);
            LogRestoreFailed(Key, restore, lost.Message);
            Publish(restore, lost);
            await Progress.FlushAsync();
            return lost;
        }
        _restore = restore;
        _restoreStatus = new ClusterSnapshotRestoreStatus(ClusterSnapshotRestoreStatus.Pending, 0, 0, null, null, null);
        Publish(restore, _restoreStatus);
        _running = Run(RestoreAsync(ns, resource));
        return _restoreStatus;
    }

    /// <summary>Keeps the activation while a run goes on (it is driven from here, not by calls) and until its progress is sent.</summary>
    private async Task Run(Task run)
    {
        DelayDeactivation(TimeSpan.FromHours(1));
        try
        {
            await run;
        }
        finally
        {
            await Progress.FlushAsync();
            DelayDeactivation(TimeSpan.Zero);
        }
    }

    private void Publish(ClusterSnapshotStatus status) => Progress.Publish(SnapshotProgress.Of(Key, status));

    private void Publish(string restore, ClusterSnapshotRestoreStatus status) => Progress.Publish(SnapshotProgress.Of(Key, restore, status));

    private async Task CreateAsync(ClusterSnapshotResource resource)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        string memshack = ResourceKey.Of(resource.TargetNamespace, resource.Memshack);
        IApplicationPause? pause = null;
        try
        {
            await store.SetFinalizerAsync(resource.Namespace, resource.Name, present: true, CancellationToken.None);
            SnapshotProfile profile = ParseProfile(resource);
            MemshackTopology topology = await ServedTopologyAsync(memshack);
            // Recorded before the pause: should this silo die from here on, the next activation finds the run
            // unfinished, records it as failed and resumes the application.
            _status = ClusterSnapshotStatus.Of(ClusterSnapshotStatus.Fencing, topology.Shards) with { CreatedAt = started };
            await store.WriteStatusAsync(resource.Namespace, resource.Name, _status, CancellationToken.None);
            Publish(_status);
            pause = hooks.For(profile, SnapshotHooks.Create, Key, memshack);
            await pause.PauseAsync();

            var barrier = new SnapshotBarrier(participants, SnapshotBarrier.SnapshotLease);
            // Inside the fence: the phase is only queued for the stream.
            BarrierResult<ClusterSnapshotManifest> taken = await barrier.SnapshotAsync(memshack, topology, ActiveNodes(), phase =>
            {
                _status = _status with { Phase = phase };
                Publish(_status);
            });
            ClusterSnapshotManifest manifest = taken.Value;
            var committed = new ClusterSnapshotStatus(ClusterSnapshotStatus.Committed, topology.Shards, topology.Shards, manifest.Items, manifest.Bytes, started,
                taken.FenceDuration.TotalMilliseconds, (DateTimeOffset.UtcNow - started).TotalMilliseconds, null, manifest);
            try
            {
                await store.WriteStatusAsync(resource.Namespace, resource.Name, committed, CancellationToken.None);
            }
            catch (Exception e)
            {
                await barrier.DeleteAsync(manifest);
                throw new SnapshotAbortedException($"the manifest could not be recorded: {e.Message}", e);
            }
            _status = committed;
            LogCommitted(Key, memshack, manifest.Items, manifest.Replicas.Length, taken.FenceDuration.TotalMilliseconds, committed.DurationMilliseconds!.Value);
        }
        catch (Exception e)
        {
            _status = (_status ?? ClusterSnapshotStatus.Of(ClusterSnapshotStatus.Pending)) with
            {
                Phase = ClusterSnapshotStatus.Failed, CreatedAt = started, DurationMilliseconds = (DateTimeOffset.UtcNow - started).TotalMilliseconds,
                Message = e.Message, Manifest = null,
            };
            LogFailed(Key, e.Message);
            await WriteQuietlyAsync(() => store.WriteStatusAsync(resource.Namespace, resource.Name, _status, CancellationToken.None));
        }
        // The application resumes whatever the outcome, unless its pause was never reached.
        if (pause is not null && await ResumeAsync(pause) is { } resumeFailure)
        {
            _status = _status! with { Message = _status.Message is { } message ? $"{message}; {resumeFailure}" : resumeFailure };
            await WriteQuietlyAsync(() => store.WriteStatusAsync(resource.Namespace, resource.Name, _status, CancellationToken.None));
        }
        Publish(_status);
    }

    private static SnapshotProfile ParseProfile(ClusterSnapshotResource resource)
    {
        try
        {
            return SnapshotProfile.Parse(resource.Profile, resource.ProfileOptions);
        }
        catch (ArgumentException e)
        {
            throw new SnapshotAbortedException(e.Message, e);
        }
    }

    /// <summary>The resume a run whose coordinator died left undone; nothing for a profile that no longer parses.</summary>
    private IApplicationPause LostRunPause(ClusterSnapshotResource resource, string operation, string memshack)
    {
        try
        {
            return hooks.For(SnapshotProfile.Parse(resource.Profile, resource.ProfileOptions), operation, Key, memshack, paused: true);
        }
        catch (ArgumentException)
        {
            return IApplicationPause.Nothing;
        }
    }

    /// <summary>A resume that fails leaves the outcome as it is: its reason is returned for the status message.</summary>
    private async Task<string?> ResumeAsync(IApplicationPause pause)
    {
        try
        {
            await pause.ResumeAsync();
            return null;
        }
        catch (Exception e)
        {
            logger.LogWarning("Cluster snapshot {Snapshot}: {Reason}", Key, e.Message);
            return e.Message;
        }
    }

    private async Task RestoreAsync(string ns, ClusterSnapshotRestoreResource restore)
    {
        IApplicationPause? pause = null;
        try
        {
            ClusterSnapshotResource? snapshot = await store.ReadAsync(ns, restore.Snapshot, CancellationToken.None);
            if (snapshot is not { Deleting: false, Status: { Phase: ClusterSnapshotStatus.Committed, Manifest: { } manifest } })
                throw new SnapshotAbortedException($"snapshot {ns}/{restore.Snapshot} is not committed ({snapshot?.Status?.Phase ?? (snapshot is null ? "absent" : ClusterSnapshotStatus.Pending)})");
            MemshackTopology served = await ServedTopologyAsync(manifest.Memshack);
            if (!served.SameAs(manifest.Topology))
                throw new SnapshotAbortedException($"{manifest.Memshack} is served with {served} now; the snapshot was taken with {manifest.Topology}");
            _restoreStatus = new ClusterSnapshotRestoreStatus(ClusterSnapshotRestoreStatus.Fencing, 0, served.Shards, null, null, null);
            await store.WriteRestoreStatusAsync(ns, restore.Name, _restoreStatus, CancellationToken.None);
            Publish(restore.Name, _restoreStatus);
            // The application is paused around a restore as around the create.
            pause = hooks.For(ParseProfile(snapshot), SnapshotHooks.Restore, Key, manifest.Memshack);
            await pause.PauseAsync();

            var barrier = new SnapshotBarrier(participants, SnapshotBarrier.RestoreLease);
            BarrierResult<int> restored = await barrier.RestoreAsync(manifest, ActiveNodes(), phase =>
            {
                _restoreStatus = _restoreStatus with { Phase = phase };
                Publish(restore.Name, _restoreStatus);
            });
            _restoreStatus = new ClusterSnapshotRestoreStatus(ClusterSnapshotRestoreStatus.Restored, restored.Value, served.Shards,
                restored.FenceDuration.TotalMilliseconds, DateTimeOffset.UtcNow, null);
            await store.WriteRestoreStatusAsync(ns, restore.Name, _restoreStatus, CancellationToken.None);
            LogRestored(Key, manifest.Memshack, restored.FenceDuration.TotalMilliseconds);
        }
        catch (Exception e)
        {
            _restoreStatus = (_restoreStatus ?? new ClusterSnapshotRestoreStatus(ClusterSnapshotRestoreStatus.Pending, 0, 0, null, null, null)) with
            {
                Phase = ClusterSnapshotRestoreStatus.Failed, Message = e.Message,
            };
            LogRestoreFailed(Key, restore.Name, e.Message);
            await WriteQuietlyAsync(() => store.WriteRestoreStatusAsync(ns, restore.Name, _restoreStatus, CancellationToken.None));
        }
        if (pause is not null && await ResumeAsync(pause) is { } resumeFailure)
        {
            _restoreStatus = _restoreStatus! with { Message = _restoreStatus.Message is { } message ? $"{message}; {resumeFailure}" : resumeFailure };
            await WriteQuietlyAsync(() => store.WriteRestoreStatusAsync(ns, restore.Name, _restoreStatus, CancellationToken.None));
        }
        Publish(restore.Name, _restoreStatus);
    }

    /// <summary>Drops the engine snapshots, then lets the resource go; a node that did not answer keeps the finalizer until the next call.</summary>
    private async Task DeleteAsync(ClusterSnapshotResource resource)
    {
        try
        {
            if (resource.Status?.Manifest is { } manifest)
                await new SnapshotBarrier(participants, SnapshotBarrier.SnapshotLease).DeleteAsync(manifest);
            await store.SetFinalizerAsync(resource.Namespace, resource.Name, present: false, CancellationToken.None);
            LogDeleted(Key);
            Progress.Publish(new SnapshotProgress(Key, SnapshotProgress.Delete, null, SnapshotProgress.Deleted, 0, 0, 0, 0, true, null, DateTimeOffset.UtcNow));
        }
        catch (Exception e)
        {
            LogDeleteFailed(Key, e.Message);
        }
    }

    /// <summary>The topology <paramref name="memshack"/> is served with; refuses one that is absent, not served yet or moving.</summary>
    private async Task<MemshackTopology> ServedTopologyAsync(string memshack)
    {
        (string ns, string name) = ResourceKey.Split(memshack);
        MemshackState? state = await memshacks.ReadAsync(ns, name, CancellationToken.None);
        if (state is null)
            throw new SnapshotAbortedException($"Memshack {memshack} does not exist (or is not a valid Memshack)");
        if (state.Served is not { } served)
            throw new SnapshotAbortedException($"Memshack {memshack} is not served yet");
        if (state.Move is { UnderWay: true } move)
            throw new SnapshotAbortedException($"Memshack {memshack} is moving to {move.To} ({move.Phase}); try again when the move is done");
        return served;
    }

    private string[] ActiveNodes() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Distinct().ToArray();

    private async Task WriteQuietlyAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e)
        {
            // The next activation finds the run unfinished in the status and records it as failed.
            logger.LogWarning("Cluster snapshot {Snapshot}: the status could not be recorded: {Reason}", Key, e.Message);
        }
    }

    private void LogCommitted(string snapshot, string memshack, long items, int replicas, double fenceMs, double totalMs) =>
        logger.LogInformation("Cluster snapshot {Snapshot} of {Memshack} committed: {Items} items, {Replicas} replica snapshots, writes held {Fence:0.0} ms, {Total:0.0} ms in all",
            snapshot, memshack, items, replicas, fenceMs, totalMs);

    private void LogFailed(string snapshot, string reason) => logger.LogWarning("Cluster snapshot {Snapshot} failed: {Reason}", snapshot, reason);

    private void LogRestored(string snapshot, string memshack, double fenceMs) =>
        logger.LogInformation("Cluster snapshot {Snapshot} restored into {Memshack}: writes held {Fence:0.0} ms", snapshot, memshack, fenceMs);

    private void LogRestoreFailed(string snapshot, string restore, string reason) =>
        logger.LogWarning("Restore {Restore} of cluster snapshot {Snapshot} failed: {Reason}", restore, snapshot, reason);

    private void LogDeleted(string snapshot) => logger.LogInformation("Cluster snapshot {Snapshot} deleted: its engine snapshots are dropped", snapshot);

    private void LogDeleteFailed(string snapshot, string reason) =>
        logger.LogWarning("Cluster snapshot {Snapshot}: deleting its engine snapshots failed and is tried again: {Reason}", snapshot, reason);
}

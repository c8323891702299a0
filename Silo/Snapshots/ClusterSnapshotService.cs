using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.NativeEngine;

namespace Mnemo.Silo;

/// <summary>
/// Hands the <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources of every namespace to
/// their <see cref="IClusterSnapshotGrain"/>: the API holds what is asked and how far it got, the grain
/// does it. After every change, and again every <see cref="KickInterval"/> while any is unfinished (a
/// coordinator's silo may have died), each unfinished one is handed over: a snapshot not committed or
/// failed yet, or being deleted; a restore not restored or failed yet. Every silo does this; the grain
/// runs each once. While none is under way, every few passes the <see cref="OrphanSnapshotSweep"/>
/// deletes this node's engine snapshots that no manifest names.
/// </summary>
public sealed class ClusterSnapshotService(KubernetesConnection kubernetes, IGrainFactory grains, OrphanSnapshotSweep sweep,
    ILogger<ClusterSnapshotService> logger) : BackgroundService
{
    private static readonly TimeSpan KickInterval = TimeSpan.FromSeconds(2);
    private const int KicksPerSweep = 5;

    private volatile string[] _snapshots = [];
    // Every ClusterSnapshot, once listed: what the orphan sweep keeps.
    private volatile JsonElement[]? _allSnapshots;
    private volatile (string Snapshot, string Restore)[] _restores = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(
                FollowAsync(MnemoResources.ClusterSnapshotPlural, objects =>
                {
                    _allSnapshots = [.. objects];
                    _snapshots = UnfinishedSnapshots(objects);
                }, stoppingToken),
                FollowAsync(MnemoResources.ClusterSnapshotRestorePlural, objects => _restores = UnfinishedRestores(objects), stoppingToken),
                KickPeriodicallyAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FollowAsync(string plural, Action<IEnumerable<JsonElement>> level, CancellationToken cancellationToken)
    {
        var watch = new CustomResourceWatch(kubernetes.Client, MnemoResources.Group, MnemoResources.Version, plural, @namespace: null, logger);
        bool listed = false;
        await foreach (ResourceWatchEvent change in watch.WatchAsync(cancellationToken))
        {
            listed |= change.Type == ResourceWatchEventType.Resynced;
            if (!listed)
                continue;
            level(change.Objects.Values);
            Kick();
        }
    }

    private async Task KickPeriodicallyAsync(CancellationToken cancellationToken)
    {
        for (long pass = 1; ; pass++)
        {
            await Task.Delay(KickInterval, cancellationToken);
            Kick();
            if (pass % KicksPerSweep == 0 && _snapshots.Length == 0 && _allSnapshots is { } all)
                SweepOrphans(all);
        }
    }

    private void SweepOrphans(JsonElement[] snapshots)
    {
        try
        {
            sweep.Sweep(snapshots);
        }
        catch (Exception e) when (e is EngineException or ObjectDisposedException)
        {
            logger.LogWarning("The sweep of engine snapshots no cluster snapshot names failed: {Reason}", e.Message);
        }
    }

    private void Kick()
    {
        foreach (string snapshot in _snapshots)
            _ = CallAsync(snapshot, grain => grain.ReconcileAsync());
        foreach ((string snapshot, string restore) in _restores)
            _ = CallAsync(snapshot, grain => grain.ReconcileRestoreAsync(restore));
    }

    private async Task CallAsync(string snapshot, Func<IClusterSnapshotGrain, Task> call)
    {
        try
        {
            await call(grains.GetGrain<IClusterSnapshotGrain>(snapshot));
        }
        catch (Exception e)
        {
            logger.LogDebug("Cluster snapshot {Snapshot}: its grain did not answer: {Reason}", snapshot, e.Message);
        }
    }

    private static string[] UnfinishedSnapshots(IEnumerable<JsonElement> objects) =>
        objects.Where(o => Deleting(o) || Phase(o) is not (ClusterSnapshotStatus.Committed or ClusterSnapshotStatus.Failed)).Select(Key).ToArray();

    private static (string, string)[] UnfinishedRestores(IEnumerable<JsonElement> objects) =>
        objects.Where(o => Phase(o) is not (ClusterSnapshotRestoreStatus.Restored or ClusterSnapshotRestoreStatus.Failed))
            .Select(o => (ResourceKey.Of(Namespace(o), SpecSnapshot(o)), Metadata(o, "name") ?? ""))
            .Where(r => r.Item2.Length > 0 && !r.Item1.EndsWith('/'))
            .ToArray();

    private static string Key(JsonElement item) => ResourceKey.Of(Namespace(item), Metadata(item, "name") ?? "");

    private static string Namespace(JsonElement item) => Metadata(item, "namespace") ?? KubernetesConnection.DefaultNamespace;

    private static bool Deleting(JsonElement item) => Metadata(item, "deletionTimestamp") is not null;

    private static string? Metadata(JsonElement item, string property) =>
        item.TryGetProperty("metadata", out JsonElement metadata) && metadata.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string? Phase(JsonElement item) =>
        item.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.Object && status.TryGetProperty("phase", out JsonElement phase)
            ? phase.GetString()
            : null;

    private static string SpecSnapshot(JsonElement item) =>
        item.TryGetProperty("spec", out JsonElement spec) && spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("snapshot", out JsonElement snapshot)
            ? snapshot.GetString() ?? ""
            : "";
}

using System.Runtime.CompilerServices;
using Mnemo.Api.V1;

namespace Mnemo.Client;

/// <summary>
/// Cluster snapshots over the gRPC API (<c>mnemo.v1.Snapshots</c>). <c>snapshot</c> is <c>namespace/name</c>, or a
/// name in namespace <c>default</c>. Create, restore and delete return once the resource is written; the silos do
/// the work, and <see cref="WatchSnapshotAsync"/> follows it to its end.
/// </summary>
public sealed partial class MnemoClient
{
    /// <summary>The default deadline of <see cref="WatchSnapshotAsync"/>: a restore rebuilds every replica's live view.</summary>
    public static readonly TimeSpan DefaultWatchTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Asks for a snapshot of <paramref name="memshack"/> (<c>namespace/name</c>, or a name in the snapshot's namespace);
    /// returns it Pending. Refused with reason <c>MEMSHACK_NOT_FOUND</c>, or <c>SNAPSHOT_EXISTS</c> when the name is taken.
    /// </summary>
    public async Task<SnapshotInfo> CreateSnapshotAsync(string snapshot, string memshack, string? profile = null, string? profileOptions = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        SnapshotName name = SnapshotNameOf(snapshot);
        int slash = memshack.IndexOf('/');
        var request = new CreateSnapshotRequest
        {
            Snapshot = name,
            Memshack = slash < 0
                ? new MemshackName { Namespace = name.Namespace, Name = memshack }
                : new MemshackName { Namespace = memshack[..slash], Name = memshack[(slash + 1)..] },
            Profile = profile ?? "", ProfileOptions = profileOptions ?? "",
        };
        return InfoOf(await SnapshotsCallAsync((snapshots, call) => snapshots.CreateAsync(request, call), timeout, cancellationToken));
    }

    /// <summary>The snapshots of <paramref name="namespace"/> (null: default), by name.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string? @namespace = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ListSnapshotsResponse response = await SnapshotsCallAsync((snapshots, call) =>
            snapshots.ListAsync(new ListSnapshotsRequest { Namespace = @namespace ?? "" }, call), timeout, cancellationToken);
        return response.Snapshots.Select(InfoOf).ToList();
    }

    /// <summary>The snapshot, or null when there is none.</summary>
    public async Task<SnapshotInfo?> GetSnapshotAsync(string snapshot, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return InfoOf(await SnapshotsCallAsync((snapshots, call) =>
                snapshots.GetAsync(new GetSnapshotRequest { Snapshot = SnapshotNameOf(snapshot) }, call), timeout, cancellationToken));
        }
        catch (MnemoApiException e) when (e.Reason == SnapshotNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Asks for a restore of a Committed snapshot (named <paramref name="restore"/>, else <c>&lt;snapshot&gt;-restore-&lt;UTC time&gt;</c>);
    /// returns it Pending. Refused with reason <c>SNAPSHOT_NOT_FOUND</c> or <c>SNAPSHOT_NOT_COMMITTED</c>.
    /// </summary>
    public async Task<SnapshotRestoreInfo> RestoreSnapshotAsync(string snapshot, string? restore = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        SnapshotRestore response = await SnapshotsCallAsync((snapshots, call) =>
            snapshots.RestoreAsync(new RestoreSnapshotRequest { Snapshot = SnapshotNameOf(snapshot), Restore = restore ?? "" }, call), timeout, cancellationToken);
        return new SnapshotRestoreInfo(response.Name, $"{response.Snapshot.Namespace}/{response.Snapshot.Name}", PhaseOf(response.Phase), response.ShardsDone,
            response.ShardsTotal, response.FenceMilliseconds > 0 ? response.FenceMilliseconds : null, Text(response.Message));
    }

    /// <summary>Deletes the snapshot (its engine snapshots are dropped on every node, then it goes); false when there is none.</summary>
    public async Task<bool> DeleteSnapshotAsync(string snapshot, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await SnapshotsCallAsync((snapshots, call) => snapshots.DeleteAsync(new DeleteSnapshotRequest { Snapshot = SnapshotNameOf(snapshot) }, call),
                timeout, cancellationToken);
            return true;
        }
        catch (MnemoApiException e) when (e.Reason == SnapshotNotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// The snapshot's current state, then every step of its create or delete (with <paramref name="restore"/>, of that
    /// restore) until it ends: the last event is <see cref="SnapshotProgressEvent.Finished"/>. The whole watch has
    /// <paramref name="timeout"/> (default <see cref="DefaultWatchTimeout"/>; passed: <see cref="MnemoDeadlineExceededException"/>).
    /// </summary>
    public async IAsyncEnumerable<SnapshotProgressEvent> WatchSnapshotAsync(string snapshot, string? restore = null, TimeSpan? timeout = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new WatchSnapshotRequest { Snapshot = SnapshotNameOf(snapshot), Restore = restore ?? "" };
        await foreach (SnapshotEvent e in _grpc.StreamAsync((channel, call) => new Snapshots.SnapshotsClient(channel).Watch(request, call),
                           timeout ?? DefaultWatchTimeout, cancellationToken))
        {
            yield return new SnapshotProgressEvent($"{e.Snapshot.Namespace}/{e.Snapshot.Name}", OperationOf(e.Operation), Text(e.Restore), PhaseOf(e.Phase),
                e.ShardsDone, e.ShardsTotal, e.Items, e.Bytes, e.Finished, Text(e.Message), DateTimeOffset.FromUnixTimeMilliseconds(e.AtUnixMs));
        }
    }

    private const string SnapshotNotFound = "SNAPSHOT_NOT_FOUND";

    private Task<T> SnapshotsCallAsync<T>(Func<Snapshots.SnapshotsClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> call, TimeSpan? timeout,
        CancellationToken cancellationToken) =>
        _grpc.CallAsync((channel, options) => call(new Snapshots.SnapshotsClient(channel), options), timeout ?? _options.CacheCallTimeout, cancellationToken);

    private static SnapshotName SnapshotNameOf(string snapshot)
    {
        int slash = snapshot.IndexOf('/');
        return slash < 0
            ? new SnapshotName { Namespace = "default", Name = snapshot }
            : new SnapshotName { Namespace = snapshot[..slash], Name = snapshot[(slash + 1)..] };
    }

    private static SnapshotInfo InfoOf(Snapshot s) =>
        new($"{s.Name.Namespace}/{s.Name.Name}", $"{s.Memshack.Namespace}/{s.Memshack.Name}", PhaseOf(s.Phase), s.ShardsDone, s.ShardsTotal, s.Items,
            s.Bytes, s.CreatedAtUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAtUnixMs) : null,
            s.FenceMilliseconds > 0 ? s.FenceMilliseconds : null, s.DurationMilliseconds > 0 ? s.DurationMilliseconds : null, Text(s.Message));

    private static string PhaseOf(SnapshotPhase phase) => phase switch
    {
        SnapshotPhase.Pending => "Pending",
        SnapshotPhase.Fencing => "Fencing",
        SnapshotPhase.Snapshotting => "Snapshotting",
        SnapshotPhase.Committed => "Committed",
        SnapshotPhase.Failed => "Failed",
        SnapshotPhase.Deleting => "Deleting",
        SnapshotPhase.Deleted => "Deleted",
        SnapshotPhase.Restoring => "Restoring",
        SnapshotPhase.Restored => "Restored",
        _ => "Unknown",
    };

    private static string OperationOf(SnapshotOperation operation) => operation switch
    {
        SnapshotOperation.Create => "Create",
        SnapshotOperation.Restore => "Restore",
        SnapshotOperation.Delete => "Delete",
        _ => "Unknown",
    };

    private static string? Text(string text) => text.Length > 0 ? text : null;
}

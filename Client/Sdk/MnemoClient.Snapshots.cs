using System.Runtime.CompilerServices;
using Mnemo.Api.V1;

namespace Mnemo.Client;

/// <summary>
/// Cluster snapshots over the gRPC API (<c>mnemo.v1.Snapshots</c>). <c>snapshot</c> is <c>namespace/name</c>, or a
/// name in namespace <c>default</c>. Create, restore and delete return once the resource is written; the silos do
/// the work, and <see cref="WatchSnapshotAsync"/> follows it to its end. Export and import move a snapshot's items
/// through a portable cluster snapshot file.
/// </summary>
public sealed partial class MnemoClient
{
    /// <summary>The default deadline of <see cref="WatchSnapshotAsync"/>: a restore rebuilds every replica's live view.</summary>
    public static readonly TimeSpan DefaultWatchTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The default deadline of <see cref="ExportSnapshotAsync"/> and <see cref="ImportSnapshotAsync"/>: they move every item of a snapshot.</summary>
    public static readonly TimeSpan DefaultTransferTimeout = TimeSpan.FromMinutes(30);

    /// <summary>File bytes per Import message: well under the silos' default message size limit.</summary>
    private const int ImportChunkBytes = 1 << 20;

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

    /// <summary>
    /// Writes the Committed <paramref name="snapshot"/> to <paramref name="destination"/> as a cluster snapshot file (the one
    /// <c>mnemo clustersnap export</c> writes): the silo gathers every shard's engine export, telling
    /// <paramref name="progress"/> per shard, then sends the file. Refused with reason <c>SNAPSHOT_NOT_FOUND</c> or
    /// <c>SNAPSHOT_NOT_COMMITTED</c>; a failed call may leave part of the file in <paramref name="destination"/>.
    /// </summary>
    public async Task<SnapshotExportInfo> ExportSnapshotAsync(string snapshot, Stream destination, IProgress<SnapshotExportProgress>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var request = new ExportSnapshotRequest { Snapshot = SnapshotNameOf(snapshot) };
        ExportSnapshotResponse? last = null;
        await foreach (ExportSnapshotResponse message in _grpc.StreamAsync((channel, call) => new Snapshots.SnapshotsClient(channel).Export(request, call),
                           timeout ?? DefaultTransferTimeout, cancellationToken))
        {
            if (!message.Chunk.IsEmpty)
                await destination.WriteAsync(message.Chunk.Memory, cancellationToken);
            progress?.Report(new SnapshotExportProgress(message.ShardsDone, message.ShardsTotal, message.Items, message.GatheredBytes, message.SentBytes,
                message.FileBytes));
            last = message;
        }
        if (last is null || last.FileBytes == 0 || last.SentBytes != last.FileBytes)
            throw new IOException($"the export of {snapshot} ended before the whole file was sent");
        return new SnapshotExportInfo($"{request.Snapshot.Namespace}/{request.Snapshot.Name}", last.ShardsTotal, last.Items, last.FileBytes);
    }

    /// <summary>
    /// Writes the items of the cluster snapshot file read from <paramref name="source"/> into <paramref name="memshack"/>
    /// (<c>namespace/name</c>, or a name in <c>default</c>), keys routed by its own shard count; with <paramref name="snapshot"/>,
    /// a snapshot of it is then asked for (a name in the Memshack's namespace, or <c>namespace/name</c>; follow it with
    /// <see cref="WatchSnapshotAsync"/>). The silo checks the whole file before it writes anything: refused with reason
    /// <c>SNAPSHOT_FILE_DAMAGED</c> (nothing imported), <c>SNAPSHOT_FILE_TOO_LARGE</c>, <c>MEMSHACK_NOT_FOUND</c> or
    /// <c>SNAPSHOT_EXISTS</c>. Not failed over to another endpoint: <paramref name="source"/> is read once.
    /// </summary>
    public async Task<SnapshotImportInfo> ImportSnapshotAsync(Stream source, string memshack, string? snapshot = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        int slash = memshack.IndexOf('/');
        var first = new ImportSnapshotRequest
        {
            Memshack = slash < 0
                ? new MemshackName { Namespace = "default", Name = memshack }
                : new MemshackName { Namespace = memshack[..slash], Name = memshack[(slash + 1)..] },
        };
        if (snapshot is not null)
            first.Snapshot = snapshot.Contains('/') ? SnapshotNameOf(snapshot) : new SnapshotName { Name = snapshot };
        ImportSnapshotResponse response = await _grpc.ClientStreamAsync((channel, call) => new Snapshots.SnapshotsClient(channel).Import(call), async writer =>
        {
            var buffer = new byte[ImportChunkBytes];
            ImportSnapshotRequest message = first;
            while (true)
            {
                int read = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                message.Chunk = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read);
                await writer.WriteAsync(message, cancellationToken);
                if (read < buffer.Length)
                    return;
                message = new ImportSnapshotRequest();
            }
        }, timeout ?? DefaultTransferTimeout, cancellationToken);
        return new SnapshotImportInfo($"{response.Memshack.Namespace}/{response.Memshack.Name}", response.FromMemshack, response.FromSnapshot, response.FromShards,
            response.Shards, response.Items, response.Written, response.Expired, response.Failed, Text(response.FirstError), response.FileBytes,
            response.Snapshot is null ? null : InfoOf(response.Snapshot));
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

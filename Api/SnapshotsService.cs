using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Grpc.Core;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Mnemo.Api.V1;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.SnapshotFiles;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mnemo.Api;

/// <summary>
/// <c>mnemo.v1.Snapshots</c>: cluster snapshots through their resources in the Kubernetes API, the one path
/// the CLI and kubectl take too (the silos' watch hands them to <see cref="IClusterSnapshotGrain"/>; this
/// service also hands a new one over at once). Watch subscribes to the snapshot's progress stream before it
/// reads the resource, so no step falls between the two; it re-reads the resource every
/// <see cref="RecheckInterval"/> without news, as the stream is best-effort (a coordinator whose silo dies
/// publishes nothing more, while the next activation records the outcome).
/// </summary>
public sealed class SnapshotsService(KubernetesConnection kubernetes, IClusterClient cluster, ServedMemshacks served, GrpcGatewayOptions options,
    ILogger<SnapshotsService> logger)
    : V1.Snapshots.SnapshotsBase
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>File bytes per Export message: well under the default message size limit.</summary>
    private const int ExportChunkBytes = 1 << 20;

    /// <summary>An Export message's chunk: at most half of <c>--grpc-max-message-size</c>, so a smaller limit still lets the file through.</summary>
    private int ChunkBytes => Math.Min(ExportChunkBytes, options.MaxMessageBytes / 2);

    /// <summary>Export and Import spool the file here: the header of an export is written last, an import is checked whole before it is written.</summary>
    private static string SpoolDirectory => Path.Combine(Path.GetTempPath(), "mnemo-grpc-spool");

    public override Task<Snapshot> Create(CreateSnapshotRequest request, ServerCallContext context) => KubernetesCallAsync(async () =>
    {
        SnapshotName name = Normalize(request.Snapshot);
        MemshackName memshack = request.Memshack is { Name.Length: > 0 } m
            ? new MemshackName { Namespace = m.Namespace.Length > 0 ? m.Namespace : name.Namespace, Name = m.Name }
            : throw ApiErrors.BadField("memshack.name", "the Memshack to snapshot is required");
        if (served.FindGateway(memshack.Namespace, memshack.Name) is null)
            throw ApiErrors.MemshackNotFound(memshack);
        return await CreateResourceAsync(name, memshack, NullIfEmpty(request.Profile), NullIfEmpty(request.ProfileOptions), context.CancellationToken);
    });

    public override Task<ListSnapshotsResponse> List(ListSnapshotsRequest request, ServerCallContext context) => KubernetesCallAsync(async () =>
    {
        var resources = new ClusterSnapshotResources(kubernetes, request.Namespace.Length > 0 ? request.Namespace : MemshackLookup.DefaultNamespace);
        var response = new ListSnapshotsResponse();
        response.Snapshots.AddRange((await resources.ListAsync(context.CancellationToken)).Select(SnapshotMessages.Of));
        return response;
    });

    public override Task<Snapshot> Get(GetSnapshotRequest request, ServerCallContext context) => KubernetesCallAsync(async () =>
    {
        SnapshotName name = Normalize(request.Snapshot);
        return SnapshotMessages.Of(await Resources(name).GetAsync(name.Name, context.CancellationToken) ?? throw ApiErrors.SnapshotNotFound(KeyOf(name)));
    });

    public override Task<SnapshotRestore> Restore(RestoreSnapshotRequest request, ServerCallContext context) => KubernetesCallAsync(async () =>
    {
        SnapshotName name = Normalize(request.Snapshot);
        ClusterSnapshotResources resources = Resources(name);
        ClusterSnapshotView snapshot = await resources.GetAsync(name.Name, context.CancellationToken) ?? throw ApiErrors.SnapshotNotFound(KeyOf(name));
        if (snapshot.Phase != ClusterSnapshotStatus.Committed)
            throw ApiErrors.SnapshotNotCommitted(KeyOf(name), snapshot.Phase);
        string restore = request.Restore.Length > 0
            ? request.Restore
            : $"{name.Name}-restore-{DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)}";
        try
        {
            await resources.CreateRestoreAsync(restore, name.Name, context.CancellationToken);
        }
        catch (ResourceRejectedException e)
        {
            throw ApiErrors.ResourceRejected(e.Status == HttpStatusCode.Conflict, "RESTORE_EXISTS", KeyOf(name), e.Message);
        }
        await HandOverAsync(KeyOf(name), grain => grain.ReconcileRestoreAsync(restore));
        ClusterSnapshotRestoreView view = await resources.GetRestoreAsync(restore, context.CancellationToken) ?? throw ApiErrors.RestoreNotFound(KeyOf(name), restore);
        return SnapshotMessages.Of(name.Namespace, view);
    });

    public override Task<DeleteSnapshotResponse> Delete(DeleteSnapshotRequest request, ServerCallContext context) => KubernetesCallAsync(async () =>
    {
        SnapshotName name = Normalize(request.Snapshot);
        if (!await Resources(name).DeleteAsync(name.Name, context.CancellationToken))
            throw ApiErrors.SnapshotNotFound(KeyOf(name));
        await HandOverAsync(KeyOf(name), grain => grain.ReconcileAsync());
        return new DeleteSnapshotResponse();
    });

    public override async Task Watch(WatchSnapshotRequest request, IServerStreamWriter<SnapshotEvent> responseStream, ServerCallContext context)
    {
        SnapshotName name = Normalize(request.Snapshot);
        string key = KeyOf(name);
        string? restore = NullIfEmpty(request.Restore);
        CancellationToken cancellation = context.CancellationToken;
        var events = Channel.CreateUnbounded<SnapshotProgress>(new UnboundedChannelOptions { SingleReader = true });
        IAsyncStream<SnapshotProgress> stream = cluster.GetStreamProvider(SnapshotProgress.StreamProvider)
            .GetStream<SnapshotProgress>(StreamId.Create(SnapshotProgress.StreamNamespace, key));
        StreamSubscriptionHandle<SnapshotProgress> subscription = await stream.SubscribeAsync((progress, _) =>
        {
            events.Writer.TryWrite(progress);
            return Task.CompletedTask;
        });
        try
        {
            SnapshotProgress? last = null;
            SnapshotProgress next = await KubernetesCallAsync(() => CurrentAsync(name, restore, last, cancellation))
                ?? throw (restore is null ? ApiErrors.SnapshotNotFound(key) : ApiErrors.RestoreNotFound(key, restore));
            while (true)
            {
                if (last is null || next.Operation != last.Operation || SnapshotMessages.Rank(next.Phase) > SnapshotMessages.Rank(last.Phase))
                {
                    await responseStream.WriteAsync(SnapshotMessages.Of(name, next), cancellation);
                    last = next;
                }
                if (last.Finished)
                    return;
                next = await NextAsync(events.Reader, name, restore, last, cancellation);
            }
        }
        finally
        {
            await UnsubscribeQuietlyAsync(subscription);
        }
    }

    public override async Task Export(ExportSnapshotRequest request, IServerStreamWriter<ExportSnapshotResponse> responseStream, ServerCallContext context)
    {
        SnapshotName name = Normalize(request.Snapshot);
        string key = KeyOf(name);
        CancellationToken cancellation = context.CancellationToken;
        ClusterSnapshotManifest manifest = await KubernetesCallAsync(async () =>
        {
            ClusterSnapshotResources resources = Resources(name);
            ClusterSnapshotView snapshot = await resources.GetAsync(name.Name, cancellation) ?? throw ApiErrors.SnapshotNotFound(key);
            if (snapshot.Phase != ClusterSnapshotStatus.Committed)
                throw ApiErrors.SnapshotNotCommitted(key, snapshot.Phase);
            return await resources.GetManifestAsync(name.Name, cancellation) ?? throw ApiErrors.SnapshotNotCommitted(key, "without a manifest");
        });
        string spool = SpoolPath();
        try
        {
            long items;
            await using (ClusterSnapshotFileWriter writer = await ClusterSnapshotFileWriter.CreateAsync(spool, ClusterSnapshotExport.MetadataOf(manifest, key), cancellation))
            {
                items = await ClusterSnapshotExport.WriteShardsAsync(cluster, manifest, writer, async step =>
                {
                    if (step.ShardDone)
                    {
                        await responseStream.WriteAsync(new ExportSnapshotResponse
                        {
                            ShardsDone = step.Shard + 1, ShardsTotal = step.Shards, Items = step.Items, GatheredBytes = step.Bytes,
                        }, cancellation);
                    }
                }, cancellation);
                await writer.CompleteAsync(items, cancellation);
            }
            await SendFileAsync(spool, responseStream, ChunkBytes, manifest.Topology.Shards, items, cancellation);
        }
        catch (ExportFailedException e)
        {
            throw ApiErrors.ExportFailed(key, e.Message);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private static async Task SendFileAsync(string path, IServerStreamWriter<ExportSnapshotResponse> responseStream, int chunkBytes, int shards, long items,
        CancellationToken cancellation)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        long sent = 0;
        var buffer = new byte[chunkBytes];
        while (true)
        {
            int read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation);
            if (read == 0)
                return;
            sent += read;
            await responseStream.WriteAsync(new ExportSnapshotResponse
            {
                Chunk = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read), ShardsDone = shards, ShardsTotal = shards, Items = items,
                FileBytes = file.Length, SentBytes = sent,
            }, cancellation);
        }
    }

    public override async Task<ImportSnapshotResponse> Import(IAsyncStreamReader<ImportSnapshotRequest> requestStream, ServerCallContext context)
    {
        CancellationToken cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation))
            throw ApiErrors.BadField("memshack.name", "the first message names the Memshack to import into");
        ImportSnapshotRequest first = requestStream.Current;
        MemshackName memshack = first.Memshack is { Name.Length: > 0 } m
            ? new MemshackName { Namespace = m.Namespace.Length > 0 ? m.Namespace : MemshackLookup.DefaultNamespace, Name = m.Name }
            : throw ApiErrors.BadField("memshack.name", "the first message names the Memshack to import into");
        if (served.FindGateway(memshack.Namespace, memshack.Name) is null)
            throw ApiErrors.MemshackNotFound(memshack);
        SnapshotName? snapshot = first.Snapshot is { Name.Length: > 0 } n
            ? new SnapshotName { Namespace = n.Namespace.Length > 0 ? n.Namespace : memshack.Namespace, Name = n.Name }
            : null;
        if (snapshot is not null && await KubernetesCallAsync(() => Resources(snapshot).GetAsync(snapshot.Name, cancellation)) is not null)
            throw ApiErrors.ResourceRejected(true, "SNAPSHOT_EXISTS", KeyOf(snapshot), $"cluster snapshot {KeyOf(snapshot)} exists already");

        string spool = SpoolPath();
        try
        {
            await SpoolAsync(first, requestStream, spool, cancellation);
            using ClusterSnapshotFileReader file = OpenChecked(spool);
            ISnapshotImportGrain importer = cluster.GetGrain<ISnapshotImportGrain>(0);
            string target = ApiErrors.KeyOf(memshack);
            int shards = await importer.ShardsAsync(target);
            if (shards == 0)
                throw ApiErrors.MemshackNotFound(memshack);
            ImportTotals totals = await ClusterSnapshotImport.WriteItemsAsync(importer, target, file, (_, _, _) => { }, cancellation);
            var response = new ImportSnapshotResponse
            {
                Memshack = memshack, FromMemshack = file.Metadata.Memshack, FromSnapshot = file.Metadata.Snapshot, FromShards = file.Metadata.Shards,
                Shards = shards, Items = totals.Items, Written = totals.Written, Expired = totals.Expired, Failed = totals.Failed,
                FirstError = totals.FirstError ?? "", FileBytes = file.Length,
            };
            if (snapshot is not null && totals.Failed == 0)
                response.Snapshot = await KubernetesCallAsync(() => CreateResourceAsync(snapshot, memshack, null, null, cancellation));
            logger.LogInformation("Imported {Items} items ({Written} written, {Failed} refused) of {From} into {Memshack}", totals.Items, totals.Written,
                totals.Failed, file.Metadata.Snapshot, target);
            return response;
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <summary>Writes the file's bytes, from <paramref name="first"/> on, to <paramref name="path"/>; refused past <see cref="GrpcGatewayOptions.MaxImportBytes"/>.</summary>
    private async Task SpoolAsync(ImportSnapshotRequest first, IAsyncStreamReader<ImportSnapshotRequest> requestStream, string path, CancellationToken cancellation)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        ImportSnapshotRequest message = first;
        long length = 0;
        while (true)
        {
            length += message.Chunk.Length;
            if (length > options.MaxImportBytes)
                throw ApiErrors.SnapshotFileTooLarge(options.MaxImportBytes);
            await file.WriteAsync(message.Chunk.Memory, cancellation);
            if (!await requestStream.MoveNext(cancellation))
                return;
            message = requestStream.Current;
        }
    }

    /// <summary>Opens the spooled file and checks all of it (header, metadata, every section's checksums and records) before anything is written.</summary>
    private static ClusterSnapshotFileReader OpenChecked(string path)
    {
        ClusterSnapshotFileReader? file = null;
        try
        {
            file = ClusterSnapshotFileReader.Open(path, "the file");
            ClusterSnapshotImport.Check(file, (_, _) => { });
            return file;
        }
        catch (SnapshotFileException e)
        {
            file?.Dispose();
            throw ApiErrors.SnapshotFileDamaged(e.Message);
        }
    }

    private static string SpoolPath()
    {
        Directory.CreateDirectory(SpoolDirectory);
        return Path.Combine(SpoolDirectory, $"{Guid.NewGuid():N}.csnap");
    }

    private async Task<Snapshot> CreateResourceAsync(SnapshotName name, MemshackName memshack, string? profile, string? profileOptions, CancellationToken cancellation)
    {
        ClusterSnapshotView created;
        try
        {
            created = await Resources(name).CreateAsync(name.Name, memshack.Name, memshack.Namespace, profile, profileOptions, cancellation);
        }
        catch (ResourceRejectedException e)
        {
            throw ApiErrors.ResourceRejected(e.Status == HttpStatusCode.Conflict, "SNAPSHOT_EXISTS", KeyOf(name), e.Message);
        }
        await HandOverAsync(KeyOf(name), grain => grain.ReconcileAsync());
        return SnapshotMessages.Of(created);
    }

    /// <summary>The next event of the operation followed, from the stream, or from the resource when the stream says nothing for a while.</summary>
    private async Task<SnapshotProgress> NextAsync(ChannelReader<SnapshotProgress> events, SnapshotName name, string? restore, SnapshotProgress last,
        CancellationToken cancellation)
    {
        while (true)
        {
            using var recheck = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            recheck.CancelAfter(RecheckInterval);
            try
            {
                SnapshotProgress progress = await events.ReadAsync(recheck.Token);
                if (restore is null ? progress.Operation != SnapshotProgress.Restore : progress.RestoreName == restore)
                    return progress;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                SnapshotProgress? current = await KubernetesCallAsync(() => CurrentAsync(name, restore, last, cancellation));
                if (current is null)
                    throw restore is null ? ApiErrors.SnapshotNotFound(KeyOf(name)) : ApiErrors.RestoreNotFound(KeyOf(name), restore);
                if (current.Finished || current.Phase != last.Phase)
                    return current;
            }
        }
    }

    /// <summary>The state the resource records; null when it does not exist (a snapshot gone after its delete was followed is <c>Deleted</c>).</summary>
    private async Task<SnapshotProgress?> CurrentAsync(SnapshotName name, string? restore, SnapshotProgress? last, CancellationToken cancellation)
    {
        ClusterSnapshotResources resources = Resources(name);
        string key = KeyOf(name);
        if (restore is not null)
            return await resources.GetRestoreAsync(restore, cancellation) is { } view && view.Snapshot == name.Name ? SnapshotMessages.ProgressOf(key, view) : null;
        if (await resources.GetAsync(name.Name, cancellation) is { } snapshot)
            return SnapshotMessages.ProgressOf(key, snapshot);
        return last?.Operation == SnapshotProgress.Delete ? SnapshotMessages.Deleted(key) : null;
    }

    /// <summary>Hands a new or changed resource to its grain now rather than at the silos' next watch event; the watch does it anyway.</summary>
    private async Task HandOverAsync(string snapshot, Func<IClusterSnapshotGrain, Task> call)
    {
        try
        {
            await call(cluster.GetGrain<IClusterSnapshotGrain>(snapshot));
        }
        catch (Exception e)
        {
            logger.LogDebug("Cluster snapshot {Snapshot}: its grain did not take it yet: {Reason}", snapshot, e.Message);
        }
    }

    private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<SnapshotProgress> subscription)
    {
        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception e)
        {
            logger.LogDebug("A snapshot progress subscription was not removed: {Reason}", e.Message);
        }
    }

    /// <summary>Kubernetes API failures as statuses: a refusal of ours stays, no answer is UNAVAILABLE.</summary>
    private static async Task<T> KubernetesCallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException e)
        {
            throw ApiErrors.KubernetesUnavailable(e.Message);
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode >= 500)
        {
            throw ApiErrors.KubernetesUnavailable($"{(int)e.Response.StatusCode} {e.Response.ReasonPhrase}");
        }
    }

    private ClusterSnapshotResources Resources(SnapshotName name) => new(kubernetes, name.Namespace);

    private static SnapshotName Normalize(SnapshotName? snapshot)
    {
        if (snapshot is null || snapshot.Name.Length == 0)
            throw ApiErrors.BadField("snapshot.name", "the snapshot's name is required");
        return snapshot.Namespace.Length > 0 ? snapshot : new SnapshotName { Namespace = MemshackLookup.DefaultNamespace, Name = snapshot.Name };
    }

    private static string KeyOf(SnapshotName name) => $"{name.Namespace}/{name.Name}";

    private static string? NullIfEmpty(string text) => text.Length > 0 ? text : null;
}

using System.CommandLine;
using System.Globalization;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.SnapshotFiles;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo clustersnap export NAME --file F</c>: writes a committed cluster snapshot to a portable file. Per
/// shard, one replica's node exports its engine snapshot (the replicas hold the same items; the next one is
/// asked when a node fails) and the CLI copies it into the file in chunks; when a gRPC endpoint is known, a silo
/// does that and sends the file through <c>Snapshots.Export</c>. Exit codes: 0 written; 1 bad input
/// (no such snapshot, not committed) or the cluster unreachable; <see cref="ClusterSnapCommand.Failed"/> no
/// replica of a shard could export it (the file is not written).
/// </summary>
internal static class ClusterSnapExportCommand
{
    public static Command Create(Func<ParseResult, ConnectionArguments> connection, Option<OutputFormat> output)
    {
        var name = new Argument<string>("name") { Description = "name of the committed snapshot (in --namespace)" };
        var file = new Option<string>("--file", "-f") { Description = "the file to write (replaced when it exists; written whole or not at all)", Required = true };
        var command = new Command("export", "Write a committed snapshot's items (key, value, flags, exptime, CAS) to a portable, checksummed file");
        command.Arguments.Add(name);
        command.Options.Add(file);
        command.SetAction((parse, cancel) => SnapshotTransferRunner.RunAsync(connection(parse), (resources, cluster, grpc, token) => grpc is null
            ? ExportAsync(resources, cluster, parse.GetValue(name)!, Path.GetFullPath(parse.GetValue(file)!), parse.GetValue(output), token)
            : ExportOverGrpcAsync(grpc, resources.Namespace, parse.GetValue(name)!, Path.GetFullPath(parse.GetValue(file)!), parse.GetValue(output), token), cancel));
        return command;
    }

    private static async Task<int> ExportAsync(ClusterSnapshotResources resources, Func<Task<IClusterClient>> connect, string name, string path,
        OutputFormat format, CancellationToken cancellationToken)
    {
        ClusterSnapshotView view = await resources.GetAsync(name, cancellationToken) ?? throw new ArgumentException($"no cluster snapshot {resources.Namespace}/{name}");
        if (view.Phase != ClusterSnapshotStatus.Committed)
            throw new ArgumentException($"cluster snapshot {resources.Namespace}/{name} is {view.Phase}, not Committed");
        ClusterSnapshotManifest manifest = await resources.GetManifestAsync(name, cancellationToken)
            ?? throw new ArgumentException($"cluster snapshot {resources.Namespace}/{name} has no manifest");
        IClusterClient cluster = await connect();
        // The engine exports hold the items' keys and values and 32 bytes more per item.
        var progress = new TransferProgress($"export {name}", manifest.Bytes + 32 * manifest.Items);
        await using (ClusterSnapshotFileWriter writer = await ClusterSnapshotFileWriter.CreateAsync(path,
                         ClusterSnapshotExport.MetadataOf(manifest, $"{resources.Namespace}/{name}"), cancellationToken))
        {
            long copied = 0;
            long items = await ClusterSnapshotExport.WriteShardsAsync(cluster, manifest, writer, step =>
            {
                copied = step.Bytes;
                progress.Report(step.Bytes, step.Items, $"shard {step.Shard + 1}/{step.Shards}");
                return ValueTask.CompletedTask;
            }, cancellationToken);
            await writer.CompleteAsync(items, cancellationToken);
            progress.TotalBytes = copied;
            progress.Report(copied, items, "done", force: true);
            progress.Done();
            Write(new ExportView($"{resources.Namespace}/{name}", manifest.Memshack, path, manifest.Topology.Shards, items, writer.Length,
                Math.Round(progress.Elapsed.TotalSeconds, 3), Math.Round(progress.MegabytesPerSecond(writer.Length), 1)), format);
        }
        return 0;
    }

    /// <summary>The export through <c>Snapshots.Export</c>: the file arrives in chunks into <c>path.tmp</c>, renamed once whole.</summary>
    private static async Task<int> ExportOverGrpcAsync(MnemoClient grpc, string @namespace, string name, string path, OutputFormat format,
        CancellationToken cancellationToken)
    {
        string snapshot = $"{@namespace}/{name}";
        // The silo reads the resource from the Kubernetes API: a busy one takes longer than a cache call's default deadline.
        SnapshotInfo info = await grpc.GetSnapshotAsync(snapshot, TimeSpan.FromSeconds(30), cancellationToken)
            ?? throw new ArgumentException($"no cluster snapshot {snapshot}");
        if (!info.Committed)
            throw new ArgumentException($"cluster snapshot {snapshot} is {info.Phase}, not Committed");
        // As above: the engine exports hold the items' keys and values and 32 bytes more per item.
        var progress = new TransferProgress($"export {name}", info.Bytes + 32 * info.Items);
        string temporary = path + ".tmp";
        SnapshotExportInfo exported;
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                exported = await grpc.ExportSnapshotAsync(snapshot, file, new ProgressLine(progress), cancellationToken: cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        progress.TotalBytes = exported.Bytes;
        progress.Report(exported.Bytes, exported.Items, "done", force: true);
        progress.Done();
        Write(new ExportView(exported.Snapshot, info.Memshack, path, exported.Shards, exported.Items, exported.Bytes,
            Math.Round(progress.Elapsed.TotalSeconds, 3), Math.Round(progress.MegabytesPerSecond(exported.Bytes), 1)), format);
        return 0;
    }

    private static void Write(ExportView result, OutputFormat format)
    {
        if (Output.TryWriteStructured(format, result))
            return;
        var table = new Table().AddColumns("SNAPSHOT", "MEMSHACK", "FILE", "SHARDS", "ITEMS", "BYTES", "SECONDS", "MB/S");
        table.AddRow(Markup.Escape(result.Snapshot), Markup.Escape(result.Memshack), Markup.Escape(result.File), result.Shards.ToString(CultureInfo.InvariantCulture),
            result.Items.ToString(CultureInfo.InvariantCulture), result.Bytes.ToString(CultureInfo.InvariantCulture),
            result.Seconds.ToString("0.000", CultureInfo.InvariantCulture), result.MegabytesPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    /// <summary>The export's steps on the progress line, as they arrive (the SDK calls it in order, on the reading thread).</summary>
    private sealed class ProgressLine(TransferProgress progress) : IProgress<SnapshotExportProgress>
    {
        public void Report(SnapshotExportProgress value)
        {
            if (value.FileBytes == 0)
            {
                progress.Report(value.GatheredBytes, value.Items, $"shard {value.ShardsDone}/{value.ShardsTotal} on the silo");
                return;
            }
            progress.TotalBytes = value.FileBytes;
            progress.Report(value.ReceivedBytes, value.Items, "receiving the file");
        }
    }

    private sealed record ExportView(string Snapshot, string Memshack, string File, int Shards, long Items, long Bytes, double Seconds, double MegabytesPerSecond);
}

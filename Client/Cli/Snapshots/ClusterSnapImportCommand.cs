using System.CommandLine;
using System.Globalization;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.SnapshotFiles;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo clustersnap import --file F --memshack M [SNAPSHOT]</c>: writes the items of a cluster snapshot file
/// into a Memshack, whatever its shard count: the file is checked whole first (nothing is written from a
/// damaged file), then each item goes through a silo's gateway, routed by Ch3 under the Memshack's topology
/// and written to every replica of its shard with its value, flags, exptime and CAS. With SNAPSHOT, a cluster
/// snapshot of the Memshack is taken afterwards under that name. When a gRPC endpoint is known, the file goes to a
/// silo through <c>Snapshots.Import</c>, which checks it whole and writes it the same way. Exit codes: 0 imported; 1 bad input or the
/// cluster unreachable; 2 the Memshack is not served; <see cref="ClusterSnapCommand.Failed"/> items were
/// refused (or the snapshot failed); <see cref="ClusterSnapCommand.TimedOut"/> the snapshot did not commit
/// within <c>--timeout</c>; <see cref="Damaged"/> the file is damaged, cut short or not a snapshot file.
/// </summary>
internal static class ClusterSnapImportCommand
{
    public const int Damaged = 7;

    public static Command Create(Func<ParseResult, ConnectionArguments> connection, Option<OutputFormat> output)
    {
        var snapshot = new Argument<string?>("snapshot") { Description = "take a cluster snapshot of the Memshack under this name once imported", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string>("--file", "-f") { Description = "the cluster snapshot file to import", Required = true };
        var memshack = new Option<string>("--memshack") { Description = "the Memshack to write the items into (in --namespace)", Required = true };
        var command = new Command("import", $"Write the items of a cluster snapshot file into a Memshack, keys routed by its own shard count (exit {Damaged} when the file is damaged: nothing written)");
        command.Arguments.Add(snapshot);
        command.Options.Add(file);
        command.Options.Add(memshack);
        command.SetAction((parse, cancel) => SnapshotTransferRunner.RunAsync(connection(parse), (resources, cluster, grpc, token) => grpc is null
            ? ImportAsync(resources, cluster, Path.GetFullPath(parse.GetValue(file)!), parse.GetValue(memshack)!, parse.GetValue(snapshot),
                TimeSpan.FromSeconds(parse.GetValue<int>("--timeout")), parse.GetValue(output), token)
            : ImportOverGrpcAsync(grpc, resources, Path.GetFullPath(parse.GetValue(file)!), parse.GetValue(memshack)!, parse.GetValue(snapshot),
                TimeSpan.FromSeconds(parse.GetValue<int>("--timeout")), parse.GetValue(output), token), cancel));
        return command;
    }

    private static async Task<int> ImportAsync(ClusterSnapshotResources resources, Func<Task<IClusterClient>> connect, string path, string memshackName,
        string? snapshotName, TimeSpan timeout, OutputFormat format, CancellationToken cancellationToken)
    {
        string memshack = $"{resources.Namespace}/{memshackName}";
        using ClusterSnapshotFileReader file = ClusterSnapshotFileReader.Open(path);
        var progress = new TransferProgress($"import {Path.GetFileName(path)}", file.Length);
        // Everything is checked before the first write: a damaged file imports nothing.
        ClusterSnapshotImport.Check(file, (bytes, items) => progress.Report(bytes, items, "checking"));
        if (snapshotName is not null && await resources.GetAsync(snapshotName, cancellationToken) is not null)
            throw new ArgumentException($"cluster snapshot {resources.Namespace}/{snapshotName} exists already");

        IClusterClient cluster = await connect();
        ISnapshotImportGrain importer = cluster.GetGrain<ISnapshotImportGrain>(0);
        int shards = await importer.ShardsAsync(memshack);
        if (shards == 0)
        {
            await Console.Error.WriteLineAsync($"mnemo: Memshack {memshack} is not served");
            return ExitCodes.NotFound;
        }
        progress.Restart();

        ImportTotals totals = await ClusterSnapshotImport.WriteItemsAsync(importer, memshack, file, (section, sent, items) =>
            progress.Report(sent, items, $"shard {section.Shard + 1}/{file.Metadata.Shards} of the file into {shards} shards"), cancellationToken);
        progress.Report(file.Length, totals.Items, "done", force: true);
        progress.Done();
        var result = new ImportView(memshack, path, file.Metadata.Memshack, file.Metadata.Shards, shards, totals.Items, totals.Written, totals.Expired, totals.Failed,
            Math.Round(progress.Elapsed.TotalSeconds, 3), Math.Round(progress.MegabytesPerSecond(file.Length), 1), snapshotName is null ? null : $"{resources.Namespace}/{snapshotName}");
        Write(result, format);
        if (totals.Failed > 0)
        {
            await Console.Error.WriteLineAsync($"mnemo: {totals.Failed} of {totals.Items} items were not written; the first: {totals.FirstError}");
            return ClusterSnapCommand.Failed;
        }
        if (snapshotName is null)
            return 0;
        await resources.CreateAsync(snapshotName, memshackName, null, null, null, cancellationToken);
        return await WaitForSnapshotAsync(resources, snapshotName, timeout, cancellationToken);
    }

    /// <summary>The import through <c>Snapshots.Import</c>: the file is sent in chunks, the silo checks it whole, writes it and takes the snapshot asked for.</summary>
    private static async Task<int> ImportOverGrpcAsync(MnemoClient grpc, ClusterSnapshotResources resources, string path, string memshackName,
        string? snapshotName, TimeSpan timeout, OutputFormat format, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"no file {path}");
        string memshack = $"{resources.Namespace}/{memshackName}";
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var progress = new TransferProgress($"import {Path.GetFileName(path)}", file.Length);
        progress.Report(0, 0, $"sending to a silo, which checks it whole and writes it into {memshack}", force: true);
        SnapshotImportInfo imported = await grpc.ImportSnapshotAsync(file, memshack, snapshotName is null ? null : $"{resources.Namespace}/{snapshotName}",
            cancellationToken: cancellationToken);
        progress.Report(file.Length, imported.Items, "done", force: true);
        progress.Done();
        Write(new ImportView(memshack, path, imported.FromMemshack, imported.FromShards, imported.Shards, imported.Items, imported.Written, imported.Expired,
            imported.Failed, Math.Round(progress.Elapsed.TotalSeconds, 3), Math.Round(progress.MegabytesPerSecond(file.Length), 1),
            snapshotName is null ? null : $"{resources.Namespace}/{snapshotName}"), format);
        if (imported.Failed > 0)
        {
            await Console.Error.WriteLineAsync($"mnemo: {imported.Failed} of {imported.Items} items were not written; the first: {imported.FirstError}");
            return ClusterSnapCommand.Failed;
        }
        return snapshotName is null ? 0 : await WaitForSnapshotAsync(resources, snapshotName, timeout, cancellationToken);
    }

    /// <summary>Waits for the outcome of the imported Memshack's snapshot, as <c>clustersnap create</c> does.</summary>
    private static Task<int> WaitForSnapshotAsync(ClusterSnapshotResources resources, string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        ClusterSnapCommand.WaitAsync(name, DateTime.UtcNow + timeout, timeout, null, cancellationToken, async token =>
        {
            ClusterSnapshotView? view = await resources.GetAsync(name, token);
            return view is null
                ? (true, ClusterSnapCommand.Failed, "the snapshot resource was deleted")
                : (view.Phase is ClusterSnapshotStatus.Committed or ClusterSnapshotStatus.Failed, view.Phase == ClusterSnapshotStatus.Committed ? 0 : ClusterSnapCommand.Failed,
                    $"{view.Phase}{(view.Message is { } message ? $": {message}" : "")}");
        });

    private static void Write(ImportView result, OutputFormat format)
    {
        if (Output.TryWriteStructured(format, result))
            return;
        var table = new Table().AddColumns("MEMSHACK", "FILE", "FROM", "SHARDS", "ITEMS", "WRITTEN", "EXPIRED", "FAILED", "SECONDS", "MB/S", "SNAPSHOT");
        table.AddRow(Markup.Escape(result.Memshack), Markup.Escape(result.File), Markup.Escape(result.From),
            $"{result.FromShards} -> {result.Shards}", result.Items.ToString(CultureInfo.InvariantCulture), result.Written.ToString(CultureInfo.InvariantCulture),
            result.Expired.ToString(CultureInfo.InvariantCulture), result.Failed.ToString(CultureInfo.InvariantCulture),
            result.Seconds.ToString("0.000", CultureInfo.InvariantCulture), result.MegabytesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
            Markup.Escape(result.Snapshot ?? ""));
        AnsiConsole.Write(table);
    }

    private sealed record ImportView(string Memshack, string File, string From, int FromShards, int Shards, long Items, long Written, long Expired, long Failed,
        double Seconds, double MegabytesPerSecond, string? Snapshot);
}

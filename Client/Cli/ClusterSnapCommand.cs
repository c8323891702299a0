using System.CommandLine;
using System.Globalization;
using Mnemo.Client;
using Mnemo.Kubernetes;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo clustersnap create|list|restore|delete</c>: cluster snapshots of a Memshack, as
/// <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources in the Kubernetes API (the silos
/// take them and record their progress there). create, restore and delete wait for the outcome and
/// report progress on stderr: the steps the silos publish, through the gRPC API's <c>Snapshots.Watch</c> when
/// <c>--grpc</c> (or <c>MNEMO_GRPC</c>) names it, else the resource's status read every 200 ms. Exit codes: 0 done; 1 bad input or the API unreachable;
/// <see cref="Failed"/> the snapshot or restore failed (the reason on stderr); <see cref="TimedOut"/>
/// still not done after <c>--timeout</c> (it goes on).
/// </summary>
internal static class ClusterSnapCommand
{
    public const int Failed = 5;
    public const int TimedOut = 6;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create(Option<string?> kubeconfig, Option<string?> ns, Option<OutputFormat> output)
    {
        var timeout = new Option<int>("--timeout")
        {
            Description = "seconds to wait for create, restore or delete to finish",
            DefaultValueFactory = _ => 120,
            Recursive = true,
        };
        var noWait = new Option<bool>("--no-wait") { Description = "return once the resource is written", Recursive = true };
        var command = new Command("clustersnap", "Cluster snapshots of a Memshack: create, list, restore, delete (exit 5 when one fails, 6 on timeout)");
        command.Options.Add(timeout);
        command.Options.Add(noWait);

        var name = new Argument<string>("name") { Description = "name of the snapshot (in --namespace)" };
        var memshack = new Option<string>("--memshack") { Description = "the Memshack to snapshot (in --namespace)", Required = true };
        var profile = new Option<string?>("--profile") { Description = "application hooks around the fence: none (default), generic or hazelcast" };
        var profileOptions = new Option<string?>("--profile-options") { Description = "options of the profile, as one string; generic: '--pre URL --post URL [--timeout SECONDS]'; hazelcast: '--address HOST[:PORT] [--cluster-name NAME] [--password PASSWORD] [--timeout SECONDS]' or '--nopause'" };
        var create = new Command("create", "Take a snapshot of every replica of every shard of a Memshack, writes held for the moment it takes");
        create.Arguments.Add(name);
        create.Options.Add(memshack);
        create.Options.Add(profile);
        create.Options.Add(profileOptions);
        create.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (resources, token) =>
        {
            string snapshot = parse.GetValue(name)!;
            await resources.CreateAsync(snapshot, parse.GetValue(memshack)!, null, parse.GetValue(profile), parse.GetValue(profileOptions), token);
            if (parse.GetValue(noWait))
                return 0;
            return await FollowAsync(parse, resources, snapshot, null, TimeSpan.FromSeconds(parse.GetValue(timeout)), token, async t =>
            {
                ClusterSnapshotView? view = await resources.GetAsync(snapshot, t);
                return view is null
                    ? (true, Failed, "the snapshot resource was deleted")
                    : (view.Phase is "Committed" or "Failed", view.Phase == "Committed" ? Write([view], parse.GetValue(output)) : Failed, Describe(view));
            });
        }, cancel));
        command.Subcommands.Add(create);

        var list = new Command("list", "The cluster snapshots of --namespace");
        list.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (resources, token) =>
            Write(await resources.ListAsync(token), parse.GetValue(output)), cancel));
        command.Subcommands.Add(list);

        var restore = new Command("restore", "Bring every replica of the snapshot's Memshack back to the snapshot, writes held meanwhile");
        restore.Arguments.Add(name);
        restore.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (resources, token) =>
        {
            string snapshot = parse.GetValue(name)!;
            if (await resources.GetAsync(snapshot, token) is not { } view)
                throw new ArgumentException($"no cluster snapshot {resources.Namespace}/{snapshot}");
            if (view.Phase != "Committed")
                throw new ArgumentException($"cluster snapshot {resources.Namespace}/{snapshot} is {view.Phase}, not Committed");
            string restoreName = $"{snapshot}-restore-{DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)}";
            await resources.CreateRestoreAsync(restoreName, snapshot, token);
            await Console.Error.WriteLineAsync($"mnemo: ClusterSnapshotRestore {resources.Namespace}/{restoreName} created");
            if (parse.GetValue(noWait))
                return 0;
            return await FollowAsync(parse, resources, snapshot, restoreName, TimeSpan.FromSeconds(parse.GetValue(timeout)), token, async t =>
            {
                ClusterSnapshotRestoreView? restored = await resources.GetRestoreAsync(restoreName, t);
                if (restored is null)
                    return (true, Failed, "the restore resource was deleted");
                string text = $"{restored.Phase}, {restored.ShardsDone}/{restored.ShardsTotal} shards"
                    + (restored.FenceMilliseconds is { } ms ? $", writes held {ms:0.0} ms" : "") + (restored.Message is { } m ? $": {m}" : "");
                bool done = restored.Phase is "Restored" or "Failed";
                return (done, restored.Phase == "Restored" ? WriteRestore(restored, parse.GetValue(output)) : Failed, text);
            });
        }, cancel));
        command.Subcommands.Add(restore);

        var delete = new Command("delete", "Delete a snapshot; its engine snapshots are dropped on every node");
        delete.Arguments.Add(name);
        delete.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (resources, token) =>
        {
            string snapshot = parse.GetValue(name)!;
            if (!await resources.DeleteAsync(snapshot, token))
                throw new ArgumentException($"no cluster snapshot {resources.Namespace}/{snapshot}");
            if (parse.GetValue(noWait))
                return 0;
            return await FollowAsync(parse, resources, snapshot, null, TimeSpan.FromSeconds(parse.GetValue(timeout)), token, async t =>
                await resources.GetAsync(snapshot, t) is not null ? (false, 0, "Deleting") : (true, 0, "Deleted"));
        }, cancel));
        command.Subcommands.Add(delete);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<string?> kubeconfig, Option<string?> ns,
        Func<ClusterSnapshotResources, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        try
        {
            using KubernetesConnection kubernetes = KubernetesConnection.Create(parse.GetValue(kubeconfig), parse.GetValue(ns));
            return await command(new ClusterSnapshotResources(kubernetes), cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or HttpRequestException or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Follows the snapshot's (or <paramref name="restore"/>'s) steps through <c>Snapshots.Watch</c> when a gRPC endpoint is known,
    /// writing each to stderr; then (or without one, or should the watch fail) polls the resource until <paramref name="poll"/>
    /// says done, which also writes the outcome.
    /// </summary>
    private static async Task<int> FollowAsync(ParseResult parse, ClusterSnapshotResources resources, string snapshot, string? restore, TimeSpan timeout,
        CancellationToken cancellationToken, Func<CancellationToken, Task<(bool Done, int ExitCode, string Text)>> poll)
    {
        string name = restore ?? snapshot;
        DateTime deadline = DateTime.UtcNow + timeout;
        MnemoClientOptions options = MnemoClientOptions.FromEnvironment();
        string[] grpc = parse.GetValue<string[]>("--grpc")?.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray() ?? [];
        if (grpc.Length > 0)
            options.GrpcEndpoints = [.. grpc];
        if (options.GrpcEndpoints.Count == 0)
            return await WaitAsync(name, deadline, timeout, null, cancellationToken, poll);
        await using MnemoClient client = MnemoClient.Create(options);
        string? shown = null;
        try
        {
            await foreach (SnapshotProgressEvent step in client.WatchSnapshotAsync($"{resources.Namespace}/{snapshot}", restore, timeout, cancellationToken))
            {
                // The outcome is written from the resource below, with all its figures.
                if (step.Finished)
                    break;
                string text = $"{step.Phase}, {step.ShardsDone}/{step.ShardsTotal} shards";
                if (text != shown)
                    await Console.Error.WriteLineAsync($"mnemo: {name}: {text}");
                shown = text;
            }
        }
        catch (MnemoDeadlineExceededException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {name}: not finished after {timeout.TotalSeconds:0} s; it goes on in the cluster");
            return TimedOut;
        }
        catch (MnemoApiException e)
        {
            // A snapshot already gone has finished its delete: the resource says so below.
            if (e.Reason != "SNAPSHOT_NOT_FOUND")
                await Console.Error.WriteLineAsync($"mnemo: {name}: progress not followed through the gRPC API ({e.Message}); reading the resource instead");
        }
        return await WaitAsync(name, deadline, timeout, shown, cancellationToken, poll);
    }

    /// <summary>Polls until <paramref name="poll"/> says done, writing each new progress text (other than <paramref name="shown"/>) to stderr.</summary>
    internal static async Task<int> WaitAsync(string name, DateTime deadline, TimeSpan timeout, string? shown, CancellationToken cancellationToken,
        Func<CancellationToken, Task<(bool Done, int ExitCode, string Text)>> poll)
    {
        while (true)
        {
            (bool done, int exitCode, string text) = await poll(cancellationToken);
            if (text != shown)
            {
                await Console.Error.WriteLineAsync($"mnemo: {name}: {text}");
                shown = text;
            }
            if (done)
                return exitCode;
            if (DateTime.UtcNow > deadline)
            {
                await Console.Error.WriteLineAsync($"mnemo: {name}: not finished after {timeout.TotalSeconds:0} s; it goes on in the cluster");
                return TimedOut;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static string Describe(ClusterSnapshotView view) =>
        $"{view.Phase}, {view.ShardsDone}/{view.ShardsTotal} shards"
        + (view.Phase == "Committed" ? $", {view.Items} items, writes held {view.FenceMilliseconds:0.0} ms" : "")
        + (view.Message is { } message ? $": {message}" : "");

    private static int Write(IReadOnlyList<ClusterSnapshotView> snapshots, OutputFormat format)
    {
        if (Output.TryWriteStructured(format, snapshots))
            return 0;
        var table = new Table().AddColumns("NAME", "MEMSHACK", "PHASE", "SHARDS", "ITEMS", "BYTES", "FENCE MS", "TOTAL MS", "CREATED", "MESSAGE");
        foreach (ClusterSnapshotView s in snapshots)
        {
            table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Memshack), s.Phase, $"{s.ShardsDone}/{s.ShardsTotal}", s.Items.ToString(CultureInfo.InvariantCulture),
                s.Bytes.ToString(CultureInfo.InvariantCulture), Milliseconds(s.FenceMilliseconds), Milliseconds(s.DurationMilliseconds),
                s.CreatedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "", Markup.Escape(s.Message ?? ""));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static int WriteRestore(ClusterSnapshotRestoreView restore, OutputFormat format)
    {
        if (Output.TryWriteStructured(format, restore))
            return 0;
        var table = new Table().AddColumns("RESTORE", "SNAPSHOT", "PHASE", "SHARDS", "FENCE MS");
        table.AddRow(Markup.Escape(restore.Name), Markup.Escape(restore.Snapshot), restore.Phase, $"{restore.ShardsDone}/{restore.ShardsTotal}",
            Milliseconds(restore.FenceMilliseconds));
        AnsiConsole.Write(table);
        return 0;
    }

    private static string Milliseconds(double? value) => value?.ToString("0.0", CultureInfo.InvariantCulture) ?? "";
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.Client;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.SnapshotFiles;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// <c>mnemo.v1.Snapshots</c> on three silo processes through Grpc.Net.Client: a create watched from another
/// node through every phase until Committed (its pre hook holds it in Fencing until the watch is on), a restore
/// and a delete watched to their end, and the error statuses with their details, a Watch's deadline included;
/// the SDK's snapshot calls; <c>mnemo clustersnap create</c> following the create through Watch; Export and Import
/// of a snapshot file into a Memshack of another shard count (through the generated client, the SDK and
/// <c>mnemo clustersnap export|import --grpc</c>), a damaged or cut-short file refused with nothing imported.
/// </summary>
public sealed class SnapshotsGrpcTests(GrpcClusterFixture fixture) : IClassFixture<GrpcClusterFixture>
{
    private static readonly MemshackName Strict = GrpcClusterFixture.Strict;

    private Snapshots.SnapshotsClient Snapshots(int node) => new(fixture.Channels[node]);

    [Fact]
    public async Task A_create_watched_from_another_node_goes_through_every_phase_then_restore_and_delete_run_to_their_end()
    {
        using var gate = new GatedHook();
        var name = new SnapshotName { Namespace = "default", Name = "grpc-watched" };
        Snapshot created = await Snapshots(0).CreateAsync(new CreateSnapshotRequest
        {
            Snapshot = name, Memshack = Strict, Profile = "generic", ProfileOptions = $"--pre {gate.Url} --timeout 60",
        }, deadline: Deadline(30));
        Assert.Equal(SnapshotPhase.Pending, created.Phase);
        Assert.Equal("strict", created.Memshack.Name);

        // Fencing is recorded before the application is paused: while the pre hook waits, the resource says Fencing.
        await fixture.Cluster.WaitUntilAsync(() => Task.FromResult(gate.Waiting > 0), TimeSpan.FromSeconds(30), "the pre hook to be called");
        using AsyncServerStreamingCall<SnapshotEvent> watch = Snapshots(1).Watch(new WatchSnapshotRequest { Snapshot = name }, deadline: Deadline(60));
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal((SnapshotPhase.Fencing, SnapshotOperation.Create, false), (watch.ResponseStream.Current.Phase, watch.ResponseStream.Current.Operation,
            watch.ResponseStream.Current.Finished));
        gate.Release();
        List<SnapshotEvent> events = [watch.ResponseStream.Current, .. await RestAsync(watch)];

        // Snapshotting is never written to the API: it can only come from the progress stream.
        Assert.Equal([SnapshotPhase.Fencing, SnapshotPhase.Snapshotting, SnapshotPhase.Committed], events.Select(e => e.Phase));
        SnapshotEvent committed = events[^1];
        Assert.True(committed.Finished);
        Assert.Equal((3, 3), (committed.ShardsDone, committed.ShardsTotal));
        Assert.True(committed.AtUnixMs > 0);

        Snapshot got = await Snapshots(2).GetAsync(new GetSnapshotRequest { Snapshot = name }, deadline: Deadline(30));
        Assert.Equal(SnapshotPhase.Committed, got.Phase);
        Assert.True(got.FenceMilliseconds > 0);
        ListSnapshotsResponse listed = await Snapshots(2).ListAsync(new ListSnapshotsRequest(), deadline: Deadline(30));
        Assert.Contains(listed.Snapshots, s => s.Name.Name == name.Name && s.Phase == SnapshotPhase.Committed);

        SnapshotRestore restore = await Snapshots(2).RestoreAsync(new RestoreSnapshotRequest { Snapshot = name, Restore = "grpc-watched-back" },
            deadline: Deadline(30));
        Assert.Equal("grpc-watched-back", restore.Name);
        using (AsyncServerStreamingCall<SnapshotEvent> restoring = Snapshots(0).Watch(
                   new WatchSnapshotRequest { Snapshot = name, Restore = restore.Name }, deadline: Deadline(60)))
        {
            List<SnapshotEvent> steps = await RestAsync(restoring);
            AssertInOrder([SnapshotPhase.Pending, SnapshotPhase.Fencing, SnapshotPhase.Restoring, SnapshotPhase.Restored], steps);
            Assert.Equal(SnapshotPhase.Restored, steps[^1].Phase);
            Assert.All(steps, e => Assert.Equal((SnapshotOperation.Restore, "grpc-watched-back"), (e.Operation, e.Restore)));
        }

        await Snapshots(1).DeleteAsync(new DeleteSnapshotRequest { Snapshot = name }, deadline: Deadline(30));
        using (AsyncServerStreamingCall<SnapshotEvent> deleting = Snapshots(1).Watch(new WatchSnapshotRequest { Snapshot = name }, deadline: Deadline(60)))
        {
            // A delete that is over before the watch starts leaves nothing to watch: NOT_FOUND.
            try
            {
                List<SnapshotEvent> steps = await RestAsync(deleting);
                Assert.Equal(SnapshotPhase.Deleted, steps[^1].Phase);
                AssertInOrder([SnapshotPhase.Deleting, SnapshotPhase.Deleted], steps);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }
        }
        var gone = await Assert.ThrowsAsync<RpcException>(() => Snapshots(0).GetAsync(new GetSnapshotRequest { Snapshot = name }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Errors_are_statuses_with_details_and_a_watch_ends_at_its_deadline()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            Snapshots(0).GetAsync(new GetSnapshotRequest { Snapshot = new SnapshotName { Name = "no-such-snapshot" } }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        ErrorInfo info = unknown.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(("SNAPSHOT_NOT_FOUND", "default/no-such-snapshot"), (info.Reason, info.Metadata["snapshot"]));

        var noName = await Assert.ThrowsAsync<RpcException>(() =>
            Snapshots(0).CreateAsync(new CreateSnapshotRequest { Memshack = Strict }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noName.StatusCode);
        Assert.Equal("snapshot.name", noName.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        var noMemshack = await Assert.ThrowsAsync<RpcException>(() => Snapshots(0).CreateAsync(new CreateSnapshotRequest
        {
            Snapshot = new SnapshotName { Name = "of-nothing" }, Memshack = new MemshackName { Name = "no-such-memshack" },
        }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, noMemshack.StatusCode);
        Assert.Equal("MEMSHACK_NOT_FOUND", noMemshack.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        var watchUnknown = await Assert.ThrowsAsync<RpcException>(() =>
            RestAsync(Snapshots(1).Watch(new WatchSnapshotRequest { Snapshot = new SnapshotName { Name = "no-such-snapshot" } }, deadline: Deadline(30))));
        Assert.Equal(StatusCode.NotFound, watchUnknown.StatusCode);

        // A snapshot held by its pre hook: not restorable, a second create of its name refused, a watch on it ends at its deadline.
        using var gate = new GatedHook();
        var held = new SnapshotName { Name = "grpc-held" };
        await Snapshots(0).CreateAsync(new CreateSnapshotRequest
        {
            Snapshot = held, Memshack = Strict, Profile = "generic", ProfileOptions = $"--pre {gate.Url} --timeout 60",
        }, deadline: Deadline(30));
        var taken = await Assert.ThrowsAsync<RpcException>(() =>
            Snapshots(1).CreateAsync(new CreateSnapshotRequest { Snapshot = held, Memshack = Strict }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);
        Assert.Equal("SNAPSHOT_EXISTS", taken.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        var notCommitted = await Assert.ThrowsAsync<RpcException>(() =>
            Snapshots(2).RestoreAsync(new RestoreSnapshotRequest { Snapshot = held }, deadline: Deadline(30)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, notCommitted.StatusCode);
        Assert.Equal("SNAPSHOT_NOT_COMMITTED", notCommitted.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        var notExportable = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Snapshots(1).Export(new ExportSnapshotRequest { Snapshot = held },
            deadline: Deadline(30))));
        Assert.Equal(StatusCode.FailedPrecondition, notExportable.StatusCode);
        Assert.Equal("SNAPSHOT_NOT_COMMITTED", notExportable.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        DateTime started = DateTime.UtcNow;
        using AsyncServerStreamingCall<SnapshotEvent> watch = Snapshots(1).Watch(new WatchSnapshotRequest { Snapshot = held },
            deadline: DateTime.UtcNow.AddMilliseconds(1500));
        var expired = await Assert.ThrowsAsync<RpcException>(() => RestAsync(watch));
        Assert.Equal(StatusCode.DeadlineExceeded, expired.StatusCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

        gate.Release();
        using AsyncServerStreamingCall<SnapshotEvent> rest = Snapshots(2).Watch(new WatchSnapshotRequest { Snapshot = held }, deadline: Deadline(60));
        Assert.Equal(SnapshotPhase.Committed, (await RestAsync(rest))[^1].Phase);
        await Snapshots(0).DeleteAsync(new DeleteSnapshotRequest { Snapshot = held }, deadline: Deadline(30));
    }

    [Fact]
    public async Task The_sdk_creates_watches_restores_and_deletes_a_snapshot_with_typed_results()
    {
        await using MnemoClient client = MnemoClient.Create(new MnemoClientOptions
        {
            GrpcEndpoints = [.. Enumerable.Range(0, fixture.Cluster.Settings.Length).Select(i => fixture.Cluster.GrpcAddress(i).ToString())],
            CacheCallTimeout = TimeSpan.FromSeconds(30),
        });
        SnapshotInfo created = await client.CreateSnapshotAsync("default/sdk-snapshot", "strict");
        Assert.Equal(("default/sdk-snapshot", "default/strict", "Pending"), (created.Snapshot, created.Memshack, created.Phase));

        List<SnapshotProgressEvent> steps = [];
        await foreach (SnapshotProgressEvent step in client.WatchSnapshotAsync("default/sdk-snapshot", timeout: TimeSpan.FromSeconds(60)))
            steps.Add(step);
        Assert.Equal(("Committed", true, "Create"), (steps[^1].Phase, steps[^1].Finished, steps[^1].Operation));

        SnapshotInfo? committed = await client.GetSnapshotAsync("sdk-snapshot");
        Assert.NotNull(committed);
        Assert.True(committed.Committed);
        Assert.Equal(3, committed.ShardsDone);
        Assert.NotNull(committed.FenceMilliseconds);
        Assert.Contains(await client.ListSnapshotsAsync(), s => s.Snapshot == "default/sdk-snapshot");
        Assert.Null(await client.GetSnapshotAsync("default/no-such-snapshot"));

        SnapshotRestoreInfo restore = await client.RestoreSnapshotAsync("default/sdk-snapshot");
        Assert.StartsWith("sdk-snapshot-restore-", restore.Name);
        List<SnapshotProgressEvent> restoring = [];
        await foreach (SnapshotProgressEvent step in client.WatchSnapshotAsync("default/sdk-snapshot", restore.Name, TimeSpan.FromSeconds(60)))
            restoring.Add(step);
        Assert.Equal(("Restored", "Restore", restore.Name), (restoring[^1].Phase, restoring[^1].Operation, restoring[^1].Restore));

        var refused = await Assert.ThrowsAsync<MnemoApiException>(() => client.CreateSnapshotAsync("default/sdk-snapshot", "strict"));
        Assert.Equal((StatusCode.AlreadyExists, "SNAPSHOT_EXISTS"), (refused.Code, refused.Reason));
        Assert.True(await client.DeleteSnapshotAsync("default/sdk-snapshot"));
        try
        {
            List<SnapshotProgressEvent> deleting = [];
            await foreach (SnapshotProgressEvent step in client.WatchSnapshotAsync("default/sdk-snapshot", timeout: TimeSpan.FromSeconds(60)))
                deleting.Add(step);
            Assert.Equal("Deleted", deleting[^1].Phase);
        }
        catch (MnemoApiException e) when (e.Reason == "SNAPSHOT_NOT_FOUND")
        {
            // The delete was over before the watch started.
        }
        await fixture.Cluster.WaitUntilAsync(async () => await client.GetSnapshotAsync("default/sdk-snapshot") is null, TimeSpan.FromSeconds(60),
            "the deleted snapshot to be gone");
        Assert.False(await client.DeleteSnapshotAsync("default/sdk-snapshot"));

        // A watch of a snapshot its pre hook holds ends at the watch's deadline, with the typed exception.
        using var gate = new GatedHook();
        await client.CreateSnapshotAsync("default/sdk-held", "strict", "generic", $"--pre {gate.Url} --timeout 60");
        await Assert.ThrowsAsync<MnemoDeadlineExceededException>(async () =>
        {
            await foreach (SnapshotProgressEvent _ in client.WatchSnapshotAsync("default/sdk-held", timeout: TimeSpan.FromMilliseconds(1500)))
            {
            }
        });
        gate.Release();
        List<SnapshotProgressEvent> held = [];
        await foreach (SnapshotProgressEvent step in client.WatchSnapshotAsync("default/sdk-held", timeout: TimeSpan.FromSeconds(60)))
            held.Add(step);
        Assert.Equal("Committed", held[^1].Phase);
        Assert.True(await client.DeleteSnapshotAsync("default/sdk-held"));
    }

    [Fact]
    public async Task Clustersnap_create_follows_the_phases_published_through_watch_and_prints_yaml()
    {
        using var gate = new GatedHook();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(RepositoryPaths.Root, "Client", "Cli", "bin", RepositoryPaths.Configuration, "net10.0", "mnemo.dll"),
                "clustersnap", "create", "cli-watched", "--memshack", "strict", "--profile", "generic", "--profile-options", $"--pre {gate.Url} --timeout 60",
                "--kubeconfig", fixture.Cluster.Kubeconfig, "--namespace", "default", "--grpc", $"127.0.0.1:{fixture.Cluster.Settings[1].Grpc.Port}", "-o", "yaml",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("MNEMO_GRPC");
        using var process = Process.Start(start)!;
        var stderr = new List<string>();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
                lock (stderr)
                    stderr.Add(text);
        };
        process.BeginErrorReadLine();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();

        // The pre hook is called in Fencing; once the CLI shows Fencing its watch is on, and every later phase comes from the stream.
        await fixture.Cluster.WaitUntilAsync(() => Task.FromResult(gate.Waiting > 0 && Lines().Any(l => l.Contains("Fencing", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(120), "the CLI to show the snapshot Fencing");
        gate.Release();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        string output = await stdout;

        Assert.True(process.ExitCode == 0, string.Join("\n", Lines()));
        Assert.Contains(Lines(), l => l == "mnemo: cli-watched: Snapshotting, 0/3 shards");
        Assert.Contains("name: cli-watched", output);
        Assert.Contains("phase: Committed", output);
        Assert.Contains("memshack: default/strict", output);
        await Snapshots(0).DeleteAsync(new DeleteSnapshotRequest { Snapshot = new SnapshotName { Name = "cli-watched" } }, deadline: Deadline(30));

        string[] Lines()
        {
            lock (stderr)
                return [.. stderr];
        }
    }

    [Fact]
    public async Task A_snapshot_exported_over_grpc_imports_into_another_shard_count_and_a_damaged_stream_imports_nothing()
    {
        var target = new MemshackName { Namespace = "default", Name = "grpc-resharded" };
        int targetPort = await ServeAsync(target.Name, shards: 2);
        SortedDictionary<string, string> expected = await WriteItemsAsync("grpc-export");
        var name = new SnapshotName { Namespace = "default", Name = "grpc-exported" };
        await CommitAsync(name);

        // Progress per shard while the silo gathers the file, then the file in order.
        List<ExportSnapshotResponse> messages = await ReadAllAsync(Snapshots(1).Export(new ExportSnapshotRequest { Snapshot = name }, deadline: Deadline(120)));
        Assert.Equal([1, 2, 3], messages.TakeWhile(m => m.Chunk.IsEmpty).Select(m => m.ShardsDone));
        using var received = new MemoryStream();
        foreach (ExportSnapshotResponse m in messages)
            m.Chunk.WriteTo(received);
        byte[] file = received.ToArray();
        Assert.Equal((file.LongLength, file.LongLength, (long)expected.Count), (messages[^1].FileBytes, messages[^1].SentBytes, messages[^1].Items));

        // A damaged copy, a cut-short one and an unserved Memshack are refused before anything is written; so is a stream cut by its deadline.
        byte[] damaged = (byte[])file.Clone();
        damaged[^100] ^= 0x40;
        var refused = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(2, target, damaged));
        Assert.Equal((StatusCode.DataLoss, "SNAPSHOT_FILE_DAMAGED"), (refused.StatusCode, refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason));
        Assert.Contains("checksum mismatch", refused.Status.Detail);
        var cut = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(0, target, file[..^10]));
        Assert.Equal(StatusCode.DataLoss, cut.StatusCode);
        Assert.Contains("truncated", cut.Status.Detail);
        var unserved = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(1, new MemshackName { Name = "no-such-memshack" }, file));
        Assert.Equal((StatusCode.NotFound, "MEMSHACK_NOT_FOUND"), (unserved.StatusCode, unserved.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason));
        using (AsyncClientStreamingCall<ImportSnapshotRequest, ImportSnapshotResponse> open = Snapshots(1).Import(deadline: DateTime.UtcNow.AddMilliseconds(1500)))
        {
            await open.RequestStream.WriteAsync(new ImportSnapshotRequest { Memshack = target, Chunk = ByteString.CopyFrom(file, 0, file.Length / 2) });
            var expired = await Assert.ThrowsAsync<RpcException>(() => open.ResponseAsync);
            Assert.Equal(StatusCode.DeadlineExceeded, expired.StatusCode);
        }
        Assert.Empty(await ClusterSnapTransferTests.ItemsOfAsync(fixture.Memshacks, KeyOf(target), 2));

        // Imported into 2 shards: every key on both replicas of its shard with its value, flags and CAS, its expiry kept; then snapshotted.
        ImportSnapshotResponse imported = await ImportAsync(2, target, file, new SnapshotName { Name = "grpc-imported" });
        Assert.Equal((expected.Count, expected.Count, 0L, 3, 2), (imported.Items, imported.Written, imported.Failed, imported.FromShards, imported.Shards));
        Assert.Equal(("default/strict", "default/grpc-exported", file.LongLength), (imported.FromMemshack, imported.FromSnapshot, imported.FileBytes));
        Assert.Equal((SnapshotPhase.Pending, "grpc-resharded"), (imported.Snapshot.Phase, imported.Snapshot.Memshack.Name));
        Assert.Equal(expected, await ResharedItemsAsync(target, 2));
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(targetPort + 1))
        {
            string withExptime = await client.CommandAsync("mg grpc-export-3 t");
            Assert.StartsWith("HD t", withExptime);
            Assert.InRange(int.Parse(withExptime["HD t".Length..]), 3000, 3600);
            Assert.Equal("HD t-1", await client.CommandAsync("mg grpc-export-1 t"));
        }
        using (AsyncServerStreamingCall<SnapshotEvent> watch = Snapshots(0).Watch(new WatchSnapshotRequest { Snapshot = new SnapshotName { Name = "grpc-imported" } },
                   deadline: Deadline(60)))
            Assert.Equal(SnapshotPhase.Committed, (await RestAsync(watch))[^1].Phase);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Snapshots(0).Export(
            new ExportSnapshotRequest { Snapshot = new SnapshotName { Name = "no-such-snapshot" } }, deadline: Deadline(30))));
        Assert.Equal((StatusCode.NotFound, "SNAPSHOT_NOT_FOUND"), (unknown.StatusCode, unknown.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason));
        var late = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Snapshots(0).Export(new ExportSnapshotRequest { Snapshot = name },
            deadline: DateTime.UtcNow.AddMilliseconds(1))));
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        await Snapshots(0).DeleteAsync(new DeleteSnapshotRequest { Snapshot = name }, deadline: Deadline(30));
        await Snapshots(0).DeleteAsync(new DeleteSnapshotRequest { Snapshot = new SnapshotName { Name = "grpc-imported" } }, deadline: Deadline(30));
    }

    [Fact]
    public async Task The_sdk_and_clustersnap_over_grpc_export_and_import_with_the_exit_codes_of_the_orleans_path()
    {
        const string Target = "default/grpc-sdk-target";
        await ServeAsync("grpc-sdk-target", shards: 2);
        SortedDictionary<string, string> expected = await WriteItemsAsync("grpc-sdk");
        await using MnemoClient client = MnemoClient.Create(new MnemoClientOptions
        {
            GrpcEndpoints = [.. Enumerable.Range(0, fixture.Cluster.Settings.Length).Select(i => fixture.Cluster.GrpcAddress(i).ToString())],
            CacheCallTimeout = TimeSpan.FromSeconds(30),
        });
        await CommitAsync(new SnapshotName { Namespace = "default", Name = "grpc-sdk-source" });

        var steps = new List<SnapshotExportProgress>();
        using var exported = new MemoryStream();
        SnapshotExportInfo info = await client.ExportSnapshotAsync("default/grpc-sdk-source", exported, new ListProgress<SnapshotExportProgress>(steps));
        Assert.Equal((3, (long)expected.Count, exported.Length), (info.Shards, info.Items, info.Bytes));
        Assert.Contains(steps, s => s is { FileBytes: 0, ShardsDone: 3 });
        Assert.Equal(info.Bytes, steps[^1].ReceivedBytes);
        byte[] file = exported.ToArray();
        byte[] damaged = (byte[])file.Clone();
        damaged[^100] ^= 0x40;
        var refused = await Assert.ThrowsAsync<MnemoApiException>(() => client.ImportSnapshotAsync(new MemoryStream(damaged), Target));
        Assert.Equal((StatusCode.DataLoss, "SNAPSHOT_FILE_DAMAGED"), (refused.Code, refused.Reason));
        Assert.Empty(await ClusterSnapTransferTests.ItemsOfAsync(fixture.Memshacks, Target, 2));
        SnapshotImportInfo imported = await client.ImportSnapshotAsync(new MemoryStream(file), Target, "grpc-sdk-imported");
        Assert.Equal(((long)expected.Count, 0L, "default/strict", 2), (imported.Written, imported.Failed, imported.FromMemshack, imported.Shards));
        Assert.Equal(("default/grpc-sdk-imported", "Pending"), (imported.Snapshot!.Snapshot, imported.Snapshot.Phase));
        Assert.Equal(expected, await ResharedItemsAsync(new MemshackName { Namespace = "default", Name = "grpc-sdk-target" }, 2));

        // The CLI with a gRPC endpoint: the file a silo sends is a whole, valid cluster snapshot file; the same exit codes as without.
        string directory = Directory.CreateTempSubdirectory("mnemo-grpc-export-").FullName;
        try
        {
            string[] connection = ["--kubeconfig", fixture.Cluster.Kubeconfig, "--namespace", "default", "--grpc", $"127.0.0.1:{fixture.Cluster.Settings[1].Grpc.Port}"];
            string path = Path.Combine(directory, "source.csnap"), damagedPath = Path.Combine(directory, "damaged.csnap");
            var cliExport = await CliRunner.MnemoAsync(["clustersnap", "export", "grpc-sdk-source", "--file", path, "-o", "json", .. connection]);
            Assert.True(cliExport.ExitCode == 0, cliExport.Stderr);
            using (JsonDocument json = JsonDocument.Parse(cliExport.Stdout))
            {
                Assert.Equal(expected.Count, json.RootElement.GetProperty("items").GetInt64());
                Assert.Equal(3, json.RootElement.GetProperty("shards").GetInt32());
                Assert.Equal(new FileInfo(path).Length, json.RootElement.GetProperty("bytes").GetInt64());
            }
            Assert.Contains("mnemo: export grpc-sdk-source: 100%", cliExport.Stderr);
            Assert.False(File.Exists(path + ".tmp"));
            using (ClusterSnapshotFileReader reader = ClusterSnapshotFileReader.Open(path))
            {
                ClusterSnapshotImport.Check(reader, (_, _) => { });
                Assert.Equal(expected.Count, reader.Items);
                Assert.Equal("default/grpc-sdk-source", reader.Metadata.Snapshot);
            }

            await File.WriteAllBytesAsync(damagedPath, damaged);
            var cliDamaged = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", damagedPath, "--memshack", "grpc-sdk-target", .. connection]);
            Assert.Equal(7, cliDamaged.ExitCode);
            Assert.Contains("checksum mismatch", cliDamaged.Stderr);
            Assert.Contains("nothing imported", cliDamaged.Stderr);
            var cliUnserved = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", path, "--memshack", "nosuch", .. connection]);
            Assert.Equal(2, cliUnserved.ExitCode);
            Assert.Contains("not served", cliUnserved.Stderr);
            var cliMissing = await CliRunner.MnemoAsync(["clustersnap", "export", "nosuch", "--file", Path.Combine(directory, "x"), .. connection]);
            Assert.Equal(1, cliMissing.ExitCode);
            Assert.Contains("no cluster snapshot default/nosuch", cliMissing.Stderr);

            var cliImport = await CliRunner.MnemoAsync(["clustersnap", "import", "grpc-cli-imported", "--file", path, "--memshack", "grpc-sdk-target", "-o", "json", .. connection]);
            Assert.True(cliImport.ExitCode == 0, cliImport.Stderr);
            using (JsonDocument json = JsonDocument.Parse(cliImport.Stdout))
            {
                Assert.Equal(expected.Count, json.RootElement.GetProperty("written").GetInt64());
                Assert.Equal((3, 2), (json.RootElement.GetProperty("fromShards").GetInt32(), json.RootElement.GetProperty("shards").GetInt32()));
            }
            Assert.True((await client.GetSnapshotAsync("default/grpc-cli-imported"))!.Committed);
            Assert.Equal(expected, await ResharedItemsAsync(new MemshackName { Namespace = "default", Name = "grpc-sdk-target" }, 2));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        foreach (string snapshot in new[] { "grpc-sdk-source", "grpc-sdk-imported", "grpc-cli-imported" })
            await client.DeleteSnapshotAsync($"default/{snapshot}");
    }

    /// <summary>Applies a Memshack of <paramref name="shards"/> shards and waits until every replica is in sync; returns its gateways' base port.</summary>
    private async Task<int> ServeAsync(string name, int shards)
    {
        int port = MemshackCluster.FreePortRange(3);
        await fixture.Memshacks.ApplyAsync(name, port, "all", shards: shards);
        await ClusterSnapTransferTests.WaitUntilInSyncAsync(fixture.Memshacks, $"default/{name}", shards);
        return port;
    }

    /// <summary>Items named <paramref name="prefix"/>-i in strict with their own flags, an exptime on every third, values of many lengths; returns all of strict's items.</summary>
    private async Task<SortedDictionary<string, string>> WriteItemsAsync(string prefix)
    {
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 0)))
        {
            for (int i = 0; i < 200; i++)
            {
                string value = new((char)('a' + i % 26), 1 + i * 7 % 500);
                Assert.Equal("STORED", await client.CommandAsync($"set {prefix}-{i} {i * 37} {(i % 3 == 0 ? 3600 : 0)} {value.Length}\r\n{value}"));
            }
        }
        return await ClusterSnapTransferTests.ItemsOfAsync(fixture.Memshacks, MemshackCluster.Strict, 3);
    }

    private async Task CommitAsync(SnapshotName name)
    {
        await Snapshots(0).CreateAsync(new CreateSnapshotRequest { Snapshot = name, Memshack = Strict }, deadline: Deadline(30));
        using AsyncServerStreamingCall<SnapshotEvent> watch = Snapshots(0).Watch(new WatchSnapshotRequest { Snapshot = name }, deadline: Deadline(60));
        Assert.Equal(SnapshotPhase.Committed, (await RestAsync(watch))[^1].Phase);
    }

    /// <summary>Sends <paramref name="file"/> in 64 KiB chunks to node <paramref name="node"/>'s Import, the target in the first message.</summary>
    private async Task<ImportSnapshotResponse> ImportAsync(int node, MemshackName memshack, byte[] file, SnapshotName? snapshot = null)
    {
        using AsyncClientStreamingCall<ImportSnapshotRequest, ImportSnapshotResponse> call = Snapshots(node).Import(deadline: Deadline(120));
        var first = new ImportSnapshotRequest { Memshack = memshack };
        if (snapshot is not null)
            first.Snapshot = snapshot;
        try
        {
            for (int offset = 0; offset < file.Length; offset += 64 << 10)
            {
                ImportSnapshotRequest message = offset == 0 ? first : new ImportSnapshotRequest();
                message.Chunk = ByteString.CopyFrom(file, offset, Math.Min(64 << 10, file.Length - offset));
                await call.RequestStream.WriteAsync(message);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Refused while the file was being sent: the response carries the status.
        }
        return await call.ResponseAsync;
    }

    /// <summary>The Memshack's items read from every replica: both replicas of a shard alike, each key on the shard Ch3 routes it to.</summary>
    private async Task<SortedDictionary<string, string>> ResharedItemsAsync(MemshackName memshack, int shards)
    {
        var router = new Ch3Router(shards);
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int shard = 0; shard < shards; shard++)
        {
            MemshackShardStatus status = await fixture.Memshacks.ShardStatusAsync(KeyOf(memshack), shard);
            Assert.Equal(2, status.Replicas.Length);
            SortedDictionary<string, string>[] replicas = await Task.WhenAll(status.Replicas.Select(r =>
                fixture.Memshacks.ReadReplicaItemsAsync(MemshackCluster.NodeIndex(r.Node), KeyOf(memshack), shard)));
            Assert.Equal(replicas[0], replicas[1]);
            foreach ((string key, string item) in replicas[0])
            {
                Assert.Equal(shard, router.ShardOf(Encoding.UTF8.GetBytes(key)));
                found[key] = item;
            }
        }
        return found;
    }

    private static string KeyOf(MemshackName memshack) => $"{memshack.Namespace}/{memshack.Name}";

    private static async Task<List<T>> ReadAllAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            var messages = new List<T>();
            await foreach (T message in call.ResponseStream.ReadAllAsync())
                messages.Add(message);
            return messages;
        }
    }

    /// <summary>Records each report in order, on the reporting thread (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class ListProgress<T>(List<T> reports) : IProgress<T>
    {
        public void Report(T value) => reports.Add(value);
    }

    /// <summary>Every event still to come; the call must end by itself, the last event finished.</summary>
    private static async Task<List<SnapshotEvent>> RestAsync(AsyncServerStreamingCall<SnapshotEvent> call)
    {
        var events = new List<SnapshotEvent>();
        while (await call.ResponseStream.MoveNext())
            events.Add(call.ResponseStream.Current);
        Assert.NotEmpty(events);
        Assert.True(events[^1].Finished, $"the watch ended at {events[^1].Phase} without a finished event");
        Assert.All(events[..^1], e => Assert.False(e.Finished));
        return events;
    }

    /// <summary>The phases seen are <paramref name="expected"/>'s, in its order (a watch started late sees the later ones only).</summary>
    private static void AssertInOrder(SnapshotPhase[] expected, List<SnapshotEvent> events)
    {
        int[] positions = events.Select(e => Array.IndexOf(expected, e.Phase)).ToArray();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Distinct(), positions);
    }

    private static DateTime Deadline(int seconds) => DateTime.UtcNow.AddSeconds(seconds);

    /// <summary>A pre hook that answers 200 only once released: the snapshot stays in Fencing, before its fence, until then.</summary>
    private sealed class GatedHook : IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LoopbackHttpServer _server;
        private int _waiting;

        public GatedHook()
        {
            Url = $"http://127.0.0.1:{MemshackCluster.FreePortRange(1)}/pre";
            _server = new LoopbackHttpServer(Url[..(Url.LastIndexOf('/') + 1)], context =>
            {
                Interlocked.Increment(ref _waiting);
                _ = _released.Task.ContinueWith(_ =>
                {
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }, TaskScheduler.Default);
                return Task.CompletedTask;
            });
        }

        public string Url { get; }

        public int Waiting => Volatile.Read(ref _waiting);

        public void Release() => _released.TrySetResult();

        public void Dispose()
        {
            Release();
            _server.Dispose();
        }
    }
}

using System.Diagnostics;
using Google.Rpc;
using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.Client;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// <c>mnemo.v1.Snapshots</c> on three silo processes through Grpc.Net.Client: a create watched from another
/// node through every phase until Committed (its pre hook holds it in Fencing until the watch is on), a restore
/// and a delete watched to their end, and the error statuses with their details, a Watch's deadline included;
/// the SDK's snapshot calls; <c>mnemo clustersnap create</c> following the create through Watch.
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

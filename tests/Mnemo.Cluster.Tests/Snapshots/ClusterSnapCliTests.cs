using System.Text.Json;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary><c>mnemo clustersnap</c> run as a process against three silo processes, next to kubectl on the same resources.</summary>
public sealed class ClusterSnapCliTests
{
    [Fact]
    public async Task Clustersnap_create_list_restore_and_delete_run_as_a_process_with_their_exit_codes()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        var api = new ClusterSnapshotApi(memshacks.Cluster);
        string kubeconfig = memshacks.Cluster.Kubeconfig;
        string[] connection = ["--kubeconfig", kubeconfig, "--namespace", "default"];
        int port = memshacks.GatewayPort(MemshackCluster.Strict, 0);
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port))
        {
            for (int i = 0; i < 50; i++)
                Assert.Equal("STORED", await client.SetAsync($"key-{i}", "before"));
        }

        var created = await CliRunner.MnemoAsync(["clustersnap", "create", "nightly", "--memshack", "strict", .. connection]);
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Contains("Committed", created.Stdout);
        Assert.Contains("nightly", created.Stdout);
        Assert.Contains("mnemo: nightly: ", created.Stderr); // progress lines (the phases seen depend on how fast it commits)

        var listed = await CliRunner.MnemoAsync(["clustersnap", "list", "-o", "json", .. connection]);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        using (JsonDocument json = JsonDocument.Parse(listed.Stdout))
        {
            JsonElement row = Assert.Single(json.RootElement.EnumerateArray());
            Assert.Equal("nightly", row.GetProperty("name").GetString());
            Assert.Equal("default/strict", row.GetProperty("memshack").GetString());
            Assert.Equal("Committed", row.GetProperty("phase").GetString());
            Assert.Equal(50, row.GetProperty("items").GetInt64());
        }
        var kubectl = await CliRunner.KubectlAsync(kubeconfig, "get", "clustersnapshots");
        Assert.True(kubectl.ExitCode == 0, kubectl.Stderr);
        Assert.Contains("FENCE-MS", kubectl.Stdout);
        Assert.Contains("Committed", kubectl.Stdout);

        // Overwrite, restore, read the snapshot's values back.
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port))
        {
            for (int i = 0; i < 50; i++)
                Assert.Equal("STORED", await client.SetAsync($"key-{i}", "after"));
        }
        Assert.True(await api.RetainedBytesAsync(MemshackCluster.Strict, [0, 1, 2]) > 0);
        var restored = await CliRunner.MnemoAsync(["clustersnap", "restore", "nightly", .. connection]);
        Assert.True(restored.ExitCode == 0, restored.Stderr);
        Assert.Contains("Restored", restored.Stdout);
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + 1))
        {
            for (int i = 0; i < 50; i++)
                Assert.Equal("before", await client.GetAsync($"key-{i}"));
        }
        List<string> differing = await memshacks.DifferingReplicaKeysAsync(MemshackCluster.Strict);
        Assert.True(differing.Count == 0, string.Join("\n", differing));

        // The generic profile: its pre hook before the fence, its post hook after it, also when the pre hook refuses.
        using (var hooks = new HookServer())
        {
            var hooked = await CliRunner.MnemoAsync(["clustersnap", "create", "hooked", "--memshack", "strict", "--profile", "generic",
                "--profile-options", $"--pre {hooks.Url}pause --post {hooks.Url}resume --timeout 5", .. connection]);
            Assert.True(hooked.ExitCode == 0, hooked.Stderr);
            await memshacks.Cluster.WaitUntilAsync(() => Task.FromResult(hooks.Calls.Count == 2), TimeSpan.FromSeconds(10), "the post hook after the commit");
            Assert.Equal(["/pause pre default/hooked default/strict", "/resume post default/hooked default/strict"], hooks.Calls);

            hooks.Calls.Clear();
            var refused = await CliRunner.MnemoAsync(["clustersnap", "create", "refused", "--memshack", "strict", "--profile", "generic",
                "--profile-options", $"--pre {hooks.Url}refuse --post {hooks.Url}resume", .. connection]);
            Assert.Equal(5, refused.ExitCode);
            Assert.Contains("pre hook", refused.Stderr);
            Assert.Contains("503", refused.Stderr);
            await memshacks.Cluster.WaitUntilAsync(() => Task.FromResult(hooks.Calls.Count == 2), TimeSpan.FromSeconds(10), "the post hook after the refusal");
            Assert.Equal("/resume post default/refused default/strict", hooks.Calls[1]);
        }
        var unsupported = await CliRunner.MnemoAsync(["clustersnap", "create", "hz", "--memshack", "strict", "--profile", "hazelcast", .. connection]);
        Assert.Equal(5, unsupported.ExitCode);
        Assert.Contains("profile 'hazelcast' needs --address", unsupported.Stderr);

        // Failures: a snapshot of a Memshack that does not exist fails (5) with the reason; a missing snapshot is bad input (1).
        var failed = await CliRunner.MnemoAsync(["clustersnap", "create", "nothing", "--memshack", "absent", .. connection]);
        Assert.Equal(5, failed.ExitCode);
        Assert.Contains("Memshack default/absent does not exist", failed.Stderr);
        var missing = await CliRunner.MnemoAsync(["clustersnap", "restore", "no-such-snapshot", .. connection]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no cluster snapshot default/no-such-snapshot", missing.Stderr);

        // Delete drops the engine snapshots on every node and gives their space back.
        var deleted = await CliRunner.MnemoAsync(["clustersnap", "delete", "nightly", .. connection]);
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        Assert.Equal(0, (await CliRunner.MnemoAsync(["clustersnap", "delete", "hooked", .. connection])).ExitCode);
        Assert.False(await api.ExistsAsync("nightly"));
        Assert.Equal(0UL, await api.EngineSnapshotsAsync(MemshackCluster.Strict, [0, 1, 2]));
        Assert.Equal(0UL, await api.RetainedBytesAsync(MemshackCluster.Strict, [0, 1, 2]));
        var table = await CliRunner.MnemoAsync(["clustersnap", "list", .. connection]);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.DoesNotContain("nightly", table.Stdout);
        Assert.Contains("nothing", table.Stdout);
    }

    /// <summary>An application's hook endpoints on loopback: records each call as "path step snapshot memshack"; <c>/refuse</c> answers 503.</summary>
    private sealed class HookServer : IDisposable
    {
        private readonly LoopbackHttpServer _server;

        public HookServer()
        {
            int port = MemshackCluster.FreePortRange(1);
            Url = $"http://127.0.0.1:{port}/";
            _server = new LoopbackHttpServer(Url, async context =>
            {
                using JsonDocument body = await JsonDocument.ParseAsync(context.Request.InputStream);
                JsonElement call = body.RootElement;
                lock (Calls)
                    Calls.Add($"{context.Request.Url!.AbsolutePath} {call.GetProperty("step")} {call.GetProperty("snapshot")} {call.GetProperty("memshack")}");
                context.Response.StatusCode = context.Request.Url.AbsolutePath == "/refuse" ? 503 : 200;
                context.Response.Close();
            });
        }

        public string Url { get; }

        public List<string> Calls { get; } = [];

        public void Dispose() => _server.Dispose();
    }
}

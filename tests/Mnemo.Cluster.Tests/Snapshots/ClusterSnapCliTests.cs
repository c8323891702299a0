using System.Text.Json;
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
        Assert.Contains("Fencing", created.Stderr);

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
        Assert.Empty(await memshacks.DifferingReplicaKeysAsync(MemshackCluster.Strict));

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
        Assert.False(await api.ExistsAsync("nightly"));
        Assert.Equal(0UL, await api.EngineSnapshotsAsync(MemshackCluster.Strict, [0, 1, 2]));
        Assert.Equal(0UL, await api.RetainedBytesAsync(MemshackCluster.Strict, [0, 1, 2]));
        var table = await CliRunner.MnemoAsync(["clustersnap", "list", .. connection]);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.DoesNotContain("nightly", table.Stdout);
        Assert.Contains("nothing", table.Stdout);
    }
}

using System.Net.Sockets;
using Mnemo.Client;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>A Memshack applied, changed and deleted with the machine's kubectl while the cluster runs:
/// every silo follows, a manifest it cannot serve is refused without harm, and one the CRD's schema
/// refuses is refused by the API with its field path.</summary>
public sealed class MemshackLifecycleTests
{
    [Fact]
    public async Task A_memshack_applied_with_kubectl_is_served_changed_and_deleted_while_the_cluster_runs()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int firstPort = MemshackCluster.FreePortRange(3), secondPort = MemshackCluster.FreePortRange(3);
        string manifest = Path.Combine(Path.GetDirectoryName(cluster.Kubeconfig)!, "cache.yaml");

        await File.WriteAllTextAsync(manifest, Manifest(firstPort, "all"));
        var applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await WaitUntilServedAsync(cluster, firstPort);
        await using (MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(firstPort))
            Assert.Equal("STORED", await node0.SetAsync("greeting", "hello"));
        await using (MemcachedTextClient node2 = await MemcachedTextClient.ConnectAsync(firstPort + 2))
            Assert.Equal("hello", await node2.GetAsync("greeting"));
        var listed = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshacks");
        Assert.Contains("cache", listed.Stdout);
        Assert.Contains(firstPort.ToString(), listed.Stdout);

        // A changed port: every silo serves the same data on the new one and closes the old one.
        await File.WriteAllTextAsync(manifest, Manifest(secondPort, "all"));
        applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await WaitUntilServedAsync(cluster, secondPort);
        await cluster.WaitUntilAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(i => !Accepts(firstPort + i))),
            TimeSpan.FromSeconds(30), "the old gateway ports to close");
        await using (MemcachedTextClient node1 = await MemcachedTextClient.ConnectAsync(secondPort + 1))
            Assert.Equal("hello", await node1.GetAsync("greeting"));

        // A manifest no silo can serve is refused by each with its reasons, and nothing else stops.
        await File.WriteAllTextAsync(manifest + ".bad", Manifest(firstPort, "all").Replace("name: cache", "name: wrong").Replace("num_replicas: 2", "num_replicas: 5"));
        applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest + ".bad");
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await cluster.WaitUntilAsync(() => Task.FromResult(cluster.Log.Contains("default/wrong is invalid and not served")),
            TimeSpan.FromSeconds(30), "the silos to refuse default/wrong");
        Assert.Contains("spec.num_replicas: 5 replicas need 5 distinct nodes", cluster.Log);
        await using (MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(secondPort))
            Assert.Equal("hello", await node0.GetAsync("greeting"));

        // A manifest the CRD's schema refuses never reaches the silos: kubectl prints the field at fault.
        await File.WriteAllTextAsync(manifest + ".zero", Manifest(firstPort, "all").Replace("name: cache", "name: zero").Replace("num_shards: 3", "num_shards: 0"));
        applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest + ".zero");
        Assert.NotEqual(0, applied.ExitCode);
        Assert.Contains("The Memshack \"zero\" is invalid: spec.num_shards: Invalid value: 0: spec.num_shards in body should be greater than or equal to 1", applied.Stderr);
        Assert.DoesNotContain("zero", (await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshacks")).Stdout);

        var deleted = await CliRunner.KubectlAsync(cluster.Kubeconfig, "delete", "-f", manifest);
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        await cluster.WaitUntilAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(i => !Accepts(secondPort + i))),
            TimeSpan.FromSeconds(30), "the gateways of the deleted Memshack to close");
        await using MnemoClient client = await cluster.ConnectAsync();
        await cluster.WaitUntilAsync(async () =>
        {
            foreach (var node in cluster.Settings)
            {
                if ((await client.GetNodeUsageAsync(node.NodeName)).Regions.Any(r => r.Name.StartsWith("memshack.default.cache.", StringComparison.Ordinal)))
                    return false;
            }
            return true;
        }, TimeSpan.FromSeconds(30), "the deleted Memshack's regions to be dropped on every node");
    }

    private static async Task WaitUntilServedAsync(TestCluster cluster, int basePort) =>
        await cluster.WaitUntilAsync(async () =>
        {
            for (int node = 0; node < 3; node++)
            {
                await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(basePort + node);
                if (await client.SetAsync("probe", "x") != "STORED")
                    return false;
            }
            return true;
        }, TimeSpan.FromSeconds(60), $"every silo to serve the Memshack on {basePort}+i");

    private static bool Accepts(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Manifest(int port, string quorum) => $"""
        apiVersion: mnemo.dev/v1alpha1
        kind: Memshack
        metadata:
          namespace: default
          name: cache
        spec:
          num_shards: 3
          num_replicas: 2
          mcrouter_port: {port}
          writeQuorum: {quorum}
        """;
}

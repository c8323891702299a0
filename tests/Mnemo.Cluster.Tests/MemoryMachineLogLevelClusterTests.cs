using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Mnemo.Client;
using Mnemo.Kubernetes;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>A MemoryMachine's logLevel on a real silo: a memcached connection reset by its client is logged at Debug, so it
/// shows in the silo's output only while the MemoryMachine asks for Debug, without a restart, and not after it asks for
/// Information again.</summary>
public sealed class MemoryMachineLogLevelClusterTests(ITestOutputHelper output)
{
    private const string ResetLine = "memcached connection";

    [Fact]
    public async Task A_switch_to_Debug_makes_the_silo_log_a_reset_connection_and_the_switch_back_stops_it()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        IKubernetes client = cluster.Kubernetes.Client;
        int port = MemshackCluster.FreePortRange(1);
        await MemshackCluster.ApplyAsync(cluster, "cache", port, "all", shards: 1, replicas: 1);
        await cluster.WaitUntilAsync(async () =>
        {
            await using MemcachedTextClient probe = await MemcachedTextClient.ConnectAsync(port);
            return await probe.SetAsync("probe", "x") == "STORED";
        }, TimeSpan.FromSeconds(90), "the Memshack to serve");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "MemoryMachine",
            metadata = new { name = "pmem", @namespace = "default" },
            spec = new { capacity = "32Mi", deviceMode = "emulation" },
        }, MnemoResources.Group, MnemoResources.Version, "default", "memorymachines");
        await WaitForLevelAsync(cluster, "Information");

        await ResetConnectionAsync(port);
        await SetLevelAsync(cluster, "Debug");
        await ResetConnectionAsync(port);
        await cluster.WaitUntilAsync(() => Task.FromResult(ResetLines(cluster) == 1), TimeSpan.FromSeconds(30), "the Debug line of the reset under Debug");

        await SetLevelAsync(cluster, "Information");
        await ResetConnectionAsync(port);
        // A reset under Debug again is logged; the one before it, under Information, never is.
        await SetLevelAsync(cluster, "Debug");
        await ResetConnectionAsync(port);
        await cluster.WaitUntilAsync(() => Task.FromResult(ResetLines(cluster) >= 2), TimeSpan.FromSeconds(30), "the Debug line of the second reset under Debug");
        output.WriteLine(string.Join('\n', cluster.Log.Split('\n').Where(IsResetLine)));
        Assert.Equal(2, ResetLines(cluster));
        Assert.False(cluster.Silo(0).HasExited);
    }

    private static bool IsResetLine(string line) => line.Contains("dbug:", StringComparison.Ordinal) && line.Contains(ResetLine, StringComparison.Ordinal);

    private static int ResetLines(TestCluster cluster) => cluster.Log.Split('\n').Count(IsResetLine);

    /// <summary>One memcached request, then a close with an RST: the gateway's read fails with a reset.</summary>
    private static async Task ResetConnectionAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("version\r\n"));
        var reply = new byte[256];
        Assert.True(await socket.ReceiveAsync(reply) > 0);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task SetLevelAsync(TestCluster cluster, string level)
    {
        await cluster.Kubernetes.Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(new { spec = new { logLevel = level } }, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, "default", "memorymachines", "pmem");
        await WaitForLevelAsync(cluster, level);
    }

    private static Task WaitForLevelAsync(TestCluster cluster, string level) =>
        cluster.WaitUntilAsync(async () =>
        {
            JsonElement machine = await cluster.Kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group,
                MnemoResources.Version, "default", "memorymachines", "pmem");
            return machine.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("nodes", out JsonElement nodes)
                && nodes.GetArrayLength() == 1 && nodes[0].TryGetProperty("logLevel", out JsonElement l) && l.GetString() == level
                && status.GetProperty("phase").GetString() == "Running";
        }, TimeSpan.FromSeconds(60), $"node-0 at {level}");
}

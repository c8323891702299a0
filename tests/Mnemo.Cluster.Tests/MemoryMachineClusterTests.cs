using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using Mnemo.Client;
using Mnemo.Kubernetes;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>A MemoryMachine on real silos: its capacity grows every selected node's pool while memcached clients keep
/// writing and reading (no failed request, no silo restart, <c>mnemo usage</c> shows the new size); a shrink below what is
/// used is refused with a condition; deleting it is refused while a Memshack uses it.</summary>
public sealed class MemoryMachineClusterTests(ITestOutputHelper output)
{
    private const long Mi = 1L << 20;

    [Fact]
    public async Task Capacity_grows_live_under_memcached_load_a_shrink_below_use_is_refused_and_deletion_waits_for_the_Memshack()
    {
        await using var cluster = await TestCluster.StartAsync(2, (i, settings) => settings with { MemshackPortOffset = i });
        IKubernetes client = cluster.Kubernetes.Client;
        int port = MemshackCluster.FreePortRange(2);
        await MemshackCluster.ApplyAsync(cluster, "cache", port, "all", shards: 2, replicas: 2);
        await cluster.WaitUntilAsync(async () =>
        {
            await using MemcachedTextClient probe = await MemcachedTextClient.ConnectAsync(port + 1);
            return await probe.SetAsync("probe", "x") == "STORED";
        }, TimeSpan.FromSeconds(90), "the Memshack to serve on both gateways");

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "MemoryMachine",
            metadata = new { name = "pmem", @namespace = "default" },
            spec = new { capacity = "32Mi", deviceMode = "emulation" },
        }, MnemoResources.Group, MnemoResources.Version, "default", "memorymachines");
        JsonElement machine = default;
        await cluster.WaitUntilAsync(async () => Phase(machine = await GetAsync(client)) == "Running", TimeSpan.FromSeconds(60), "the MemoryMachine Running");
        Assert.Equal(["node-0", "node-1"], Nodes(machine).Select(n => n.GetProperty("node").GetString()));
        Assert.All(Nodes(machine), n => Assert.Equal(32 * Mi, n.GetProperty("capacity").GetInt64()));

        // Writers and readers on both gateways, through the whole change.
        var failures = new ConcurrentQueue<string>();
        long requests = 0;
        using var stop = new CancellationTokenSource();
        async Task LoadAsync(int gateway)
        {
            await using MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(port + gateway);
            string value = new('v', 1000);
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                string key = $"g{gateway}:{n % 3000}";
                string reply = await memcached.SetAsync(key, value);
                string? read = await memcached.GetAsync(key);
                if (reply != "STORED" || read != value)
                    failures.Enqueue($"{key}: set {reply}, get {(read is null ? "miss" : read.Length + " bytes")}");
                Interlocked.Add(ref requests, 2);
            }
        }
        Task load = Task.WhenAll(LoadAsync(0), LoadAsync(1));
        await cluster.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref requests) > 4000), TimeSpan.FromSeconds(60), "load running");
        var generations = (await cluster.MembersSeenByAsync(0)).ToDictionary(m => m.Node, m => m.Generation);

        var stopwatch = Stopwatch.StartNew();
        await PatchAsync(client, new { capacity = "96Mi" });
        await cluster.WaitUntilAsync(async () => Nodes(machine = await GetAsync(client)).All(n => n.GetProperty("capacity").GetInt64() == 96 * Mi)
            && Phase(machine) == "Running", TimeSpan.FromSeconds(60), "both pools at 96Mi");
        TimeSpan applied = stopwatch.Elapsed;
        long before = Interlocked.Read(ref requests);
        await cluster.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref requests) > before + 4000), TimeSpan.FromSeconds(60), "load after the change");
        await stop.CancelAsync();
        await load;
        output.WriteLine($"grow: 32Mi -> 96Mi on 2 nodes reported in the status after {applied.TotalSeconds:F1} s; {Interlocked.Read(ref requests)} requests, {failures.Count} failed");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.All(Enumerable.Range(0, 2), i => Assert.False(cluster.Silo(i).HasExited));
        Assert.Equal(generations, (await cluster.MembersSeenByAsync(0)).ToDictionary(m => m.Node, m => m.Generation));

        CliRunner.Result usage = await CliRunner.MnemoAsync(new Dictionary<string, string> { ["MNEMO_CLUSTER_ID"] = cluster.ClusterId },
            "usage", "--gateway", string.Join(',', cluster.Gateways), "-o", "json");
        output.WriteLine(usage.Stdout);
        Assert.True(usage.ExitCode == 0, usage.Stdout + usage.Stderr);
        using (JsonDocument doc = JsonDocument.Parse(usage.Stdout))
            Assert.All(doc.RootElement.EnumerateArray(), row => Assert.Equal(96 * Mi, row.GetProperty("capacity").GetInt64()));

        // A shrink below what is used: refused, with a condition; the pools keep their size and their data.
        long used = Nodes(machine).Min(n => n.GetProperty("used").GetInt64());
        Assert.True(used > 2 * Mi, $"only {used} bytes used");
        await PatchAsync(client, new { capacity = "1Mi" });
        await cluster.WaitUntilAsync(async () => Phase(machine = await GetAsync(client)) == "Failed", TimeSpan.FromSeconds(60), "the shrink refused");
        JsonElement ready = Condition(machine, "Ready")!.Value;
        output.WriteLine(ready.GetProperty("message").GetString());
        Assert.Equal(("False", "ShrinkBelowUsed"), (ready.GetProperty("status").GetString(), ready.GetProperty("reason").GetString()));
        Assert.All(Nodes(machine), n => Assert.Equal(96 * Mi, n.GetProperty("capacity").GetInt64()));
        await using (MemcachedTextClient check = await MemcachedTextClient.ConnectAsync(port))
            Assert.Equal(new string('v', 1000), await check.GetAsync("g1:0"));

        // Deleting it while the Memshack is served on its nodes: refused with a condition naming it.
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, "default", "memorymachines", "pmem");
        await cluster.WaitUntilAsync(async () => Condition(machine = await GetAsync(client), "DeletionBlocked") is not null, TimeSpan.FromSeconds(60),
            "DeletionBlocked");
        Assert.Contains("default/cache", Condition(machine, "DeletionBlocked")!.Value.GetProperty("message").GetString());
        var described = await CliRunner.KubectlAsync(cluster.Kubeconfig, "describe", "memorymachine", "pmem");
        output.WriteLine(described.Stdout);
        Assert.Contains("MemshacksInUse", described.Stdout);
    }

    private static async Task<JsonElement> GetAsync(IKubernetes client) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, "default", "memorymachines", "pmem");

    private static Task PatchAsync(IKubernetes client, object spec) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(new { spec }, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, "default", "memorymachines", "pmem");

    private static string? Phase(JsonElement machine) =>
        machine.TryGetProperty("status", out JsonElement s) && s.TryGetProperty("phase", out JsonElement p) ? p.GetString() : null;

    private static JsonElement[] Nodes(JsonElement machine) =>
        machine.TryGetProperty("status", out JsonElement s) && s.TryGetProperty("nodes", out JsonElement n) ? n.EnumerateArray().ToArray() : [];

    private static JsonElement? Condition(JsonElement machine, string type) =>
        machine.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("conditions", out JsonElement conditions)
            ? conditions.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("type").GetString() == type)
            : null;
}

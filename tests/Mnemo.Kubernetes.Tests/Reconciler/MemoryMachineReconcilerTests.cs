using System.Collections.Concurrent;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Mnemo.KubeApiServer;
using Mnemo.Kubernetes.Reconciler;
using Mnemo.Tests.Shared;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The MemoryMachine reconciler against the embedded API: node selection by MnemoNode labels, the status per node,
/// a refused node, the log level, pool path and labels carried to the nodes and the Events, the finalizer while Memshacks use it, a 409 on a spec changed mid-reconcile, and a restarted API
/// server (watch cut, 410 re-list). The pools come from <see cref="NodePools"/> in place of the node grains; the
/// cluster tests resize real pools.</summary>
[Collection(KubeApiCollection.Name)]
public sealed class MemoryMachineReconcilerTests(KubeApiFixture api, ITestOutputHelper output) : IDisposable
{
    private const long Mi = 1L << 20;
    private readonly RecordingLoggerProvider _log = new();
    private readonly ILoggerFactory _loggerFactory = XunitLoggerProvider.Factory(output, LogLevel.Information);
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task Selected_nodes_report_their_pools_and_a_refused_machine_stays_Failed_while_another_keeps_reconciling()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        string ns = await NamespaceAsync(client);
        await NodeAsync(client, $"a-{_id}", new() { ["pool"] = _id });
        await NodeAsync(client, $"b-{_id}", new() { ["pool"] = _id });
        await NodeAsync(client, $"c-{_id}", new() { ["pool"] = "other" });
        await NodeAsync(client, $"d-{_id}", new() { ["pool"] = "other" });
        await MachineAsync(client, ns, "good", "256Mi", new() { ["pool"] = _id });
        await MachineAsync(client, ns, "bad", "50%", new() { ["pool"] = "other" });

        var pools = new NodePools();
        // node d refuses: it uses more than asked
        pools.Refuse[$"d-{_id}"] = ("ShrinkBelowUsed", "100 bytes asked, but 200 bytes are in use; the pool keeps 300 bytes");
        using var stop = new CancellationTokenSource();
        Task running = Reconciler(client, pools).RunAsync(stop.Token);

        JsonElement good = default, bad = default;
        await Eventually.UntilAsync(async () => Phase(good = await GetAsync(client, ns, "good")) == "Running", TimeSpan.FromSeconds(15), "good Running");
        JsonElement status = good.GetProperty("status");
        Assert.Equal((2, 2), (status.GetProperty("desiredNodes").GetInt32(), status.GetProperty("readyNodes").GetInt32()));
        Assert.Equal([$"a-{_id}", $"b-{_id}"], status.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
        JsonElement a = status.GetProperty("nodes")[0];
        Assert.Equal((256 * Mi, "emulation", true), (a.GetProperty("capacity").GetInt64(), a.GetProperty("deviceMode").GetString(), a.GetProperty("ready").GetBoolean()));
        Assert.Equal("True", Condition(good, "Ready")?.GetProperty("status").GetString());
        Assert.Contains(MemoryMachineReconciler.Finalizer, Finalizers(good));
        Assert.Contains(pools.Asked, call => call.Nodes.SequenceEqual([$"a-{_id}", $"b-{_id}"]) && call.Target == new NodePoolTarget(256 * Mi, null, "emulation", null, "Information"));

        await Eventually.UntilAsync(async () => Phase(bad = await GetAsync(client, ns, "bad")) == "Failed", TimeSpan.FromSeconds(15), "bad Failed");
        JsonElement ready = Condition(bad, "Ready")!.Value;
        Assert.Equal(("False", "ShrinkBelowUsed"), (ready.GetProperty("status").GetString(), ready.GetProperty("reason").GetString()));
        Assert.Contains($"d-{_id}: ShrinkBelowUsed: 100 bytes asked", ready.GetProperty("message").GetString());
        Assert.Equal(1, bad.GetProperty("status").GetProperty("readyNodes").GetInt32());
        Assert.Contains(pools.Asked, call => call.Target == new NodePoolTarget(null, 50, "emulation", null, "Information"));

        // The failed one stays failed (and is looked at again); the good one follows its spec.
        await PatchSpecAsync(client, ns, "good", new { capacity = "512Mi" });
        await Eventually.UntilAsync(async () => (good = await GetAsync(client, ns, "good")).GetProperty("status").GetProperty("observedGeneration").GetInt64() == 2
            && good.GetProperty("status").GetProperty("nodes")[1].GetProperty("capacity").GetInt64() == 512 * Mi, TimeSpan.FromSeconds(15), "good at 512Mi");
        Assert.Equal("Failed", Phase(await GetAsync(client, ns, "bad")));
        var events = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=bad");
        Assert.Contains(events.Items, e => e.Type == "Warning" && e.Reason == "ShrinkBelowUsed");

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Log_level_and_pool_path_reach_the_nodes_a_refused_path_is_a_condition_and_Events_carry_the_labels_as_they_change()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        string ns = await NamespaceAsync(client);
        string node = $"a-{_id}";
        await NodeAsync(client, node, new() { ["pool"] = _id });
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "MemoryMachine",
            metadata = new { name = "mm", @namespace = ns },
            spec = new
            {
                nodeSelector = new Dictionary<string, string> { ["pool"] = _id },
                capacity = "256Mi",
                deviceMode = "emulation",
                poolPath = "/mnt/pmem1/mnemo",
                logLevel = "Debug",
                labels = new Dictionary<string, string> { ["team"] = "cache" },
            },
        }, MnemoResources.Group, MnemoResources.Version, ns, MemoryMachineReconciler.Plural);
        var pools = new NodePools();
        pools.Refuse[node] = ("PoolPathChangeRefused", $"node {node}'s pool is in /pool and holds 1 regions (5 items); it is not moved to /mnt/pmem1/mnemo");
        using var stop = new CancellationTokenSource();
        Task running = Reconciler(client, pools).RunAsync(stop.Token);

        JsonElement mm = default;
        await Eventually.UntilAsync(async () => Phase(mm = await GetAsync(client, ns, "mm")) == "Failed", TimeSpan.FromSeconds(15), "mm Failed");
        JsonElement ready = Condition(mm, "Ready")!.Value;
        Assert.Equal(("False", "PoolPathChangeRefused"), (ready.GetProperty("status").GetString(), ready.GetProperty("reason").GetString()));
        Assert.Contains($"{node}: PoolPathChangeRefused: node {node}'s pool is in /pool", ready.GetProperty("message").GetString());
        Assert.Equal("Debug", mm.GetProperty("status").GetProperty("nodes")[0].GetProperty("logLevel").GetString());
        Assert.Contains(pools.Asked, call => call.Target == new NodePoolTarget(256 * Mi, null, "emulation", "/mnt/pmem1/mnemo", "Debug"));
        var labelled = await client.CoreV1.ListNamespacedEventAsync(ns, labelSelector: "team=cache");
        Assert.Contains(labelled.Items, e => e.InvolvedObject.Name == "mm" && e.Reason == "PoolPathChangeRefused");

        // Without poolPath the pool stays where it is; the new level and labels follow, a removed label is not carried.
        pools.Refuse.Clear();
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(
            """{"spec":{"poolPath":null,"logLevel":"Warning","labels":{"team":null,"tier":"hot"}}}""", V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, ns, MemoryMachineReconciler.Plural, "mm");
        await Eventually.UntilAsync(async () => Phase(mm = await GetAsync(client, ns, "mm")) == "Running", TimeSpan.FromSeconds(15), "mm Running");
        Assert.Equal("Warning", mm.GetProperty("status").GetProperty("nodes")[0].GetProperty("logLevel").GetString());
        Assert.Contains(pools.Asked, call => call.Target == new NodePoolTarget(256 * Mi, null, "emulation", null, "Warning"));
        Corev1Event recovered = Assert.Single((await client.CoreV1.ListNamespacedEventAsync(ns, labelSelector: "tier=hot")).Items);
        Assert.Equal(("AllPoolsReady", "Normal"), (recovered.Reason, recovered.Type));
        Assert.False(recovered.Metadata.Labels.ContainsKey("team"));

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Deletion_waits_with_a_condition_naming_the_Memshacks_that_still_use_it()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        string ns = await NamespaceAsync(client);
        await NodeAsync(client, $"a-{_id}", new() { ["pool"] = _id });
        await MachineAsync(client, ns, "mm", "256Mi", new() { ["pool"] = _id });
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "Memshack",
            metadata = new { name = "cache", @namespace = ns },
            spec = new { num_shards = 1 },
        }, MnemoResources.Group, MnemoResources.Version, ns, "memshacks");

        using var stop = new CancellationTokenSource();
        Task running = Reconciler(client, new NodePools()).RunAsync(stop.Token);
        await Eventually.UntilAsync(async () => Finalizers(await GetAsync(client, ns, "mm")).Contains(MemoryMachineReconciler.Finalizer),
            TimeSpan.FromSeconds(15), "the finalizer");

        string kubectl = ExternalTools.Require("kubectl", "kubectl");
        var (deletedExit, deleted) = await ExternalTools.RunAsync(kubectl, $"--kubeconfig {api.KubeconfigPath} delete memorymachine mm -n {ns} --wait=false",
            TimeSpan.FromSeconds(30));
        Assert.True(deletedExit == 0, deleted);
        JsonElement mm = default;
        await Eventually.UntilAsync(async () => Condition(mm = await GetAsync(client, ns, "mm"), "DeletionBlocked") is not null, TimeSpan.FromSeconds(15), "DeletionBlocked");
        JsonElement blocked = Condition(mm, "DeletionBlocked")!.Value;
        Assert.Equal(("True", "MemshacksInUse"), (blocked.GetProperty("status").GetString(), blocked.GetProperty("reason").GetString()));
        Assert.Contains($"{ns}/cache", blocked.GetProperty("message").GetString());
        var (describedExit, described) = await ExternalTools.RunAsync(kubectl, $"--kubeconfig {api.KubeconfigPath} describe memorymachine mm -n {ns}",
            TimeSpan.FromSeconds(30));
        output.WriteLine(described);
        Assert.True(describedExit == 0, described);
        Assert.Contains("MemshacksInUse", described);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, ns, "memshacks", "cache");
        await Eventually.UntilAsync(async () => !await ExistsAsync(client, ns, "mm"), TimeSpan.FromSeconds(15), "the MemoryMachine gone");

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_spec_changed_during_a_reconcile_makes_the_status_write_a_409_and_the_key_is_reconciled_again()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        string ns = await NamespaceAsync(client);
        await NodeAsync(client, $"a-{_id}", new() { ["pool"] = _id });
        await MachineAsync(client, ns, "mm", "256Mi", new() { ["pool"] = _id });
        var pools = new NodePools();
        int changed = 0;
        // Another writer changes the spec while the reconciler applies the pools, once.
        pools.WhileApplying = async target =>
        {
            if (Interlocked.Exchange(ref changed, 1) == 0)
                await PatchSpecAsync(client, ns, "mm", new { capacity = "384Mi" });
        };
        using var stop = new CancellationTokenSource();
        Task running = Reconciler(client, pools).RunAsync(stop.Token);

        JsonElement mm = default;
        await Eventually.UntilAsync(async () => Phase(mm = await GetAsync(client, ns, "mm")) == "Running", TimeSpan.FromSeconds(15), "Running");
        Assert.Equal(2, mm.GetProperty("status").GetProperty("observedGeneration").GetInt64());
        Assert.Equal(384 * Mi, mm.GetProperty("status").GetProperty("nodes")[0].GetProperty("capacity").GetInt64());
        Assert.Contains(_log.Messages, m => m.Contains($"MemoryMachine {ns}/mm: reconcile failed; retrying", StringComparison.Ordinal) && m.Contains("409", StringComparison.Ordinal));
        Assert.Equal([256 * Mi, 384 * Mi], pools.Asked.Select(c => c.Target.CapacityBytes!.Value).Distinct());

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task After_the_API_server_restarts_without_its_watch_history_the_reconciler_lists_again_and_carries_on()
    {
        string stateDir = Path.Combine(Path.GetTempPath(), "mnemo-mm-restart-" + Guid.NewGuid().ToString("N"));
        string kubeconfig = stateDir + "-kubeconfig";
        var options = new KubeApiServerOptions { Port = 0, StateDir = stateDir, ResourcePaths = [RepositoryPaths.Crds] };
        EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(options, _loggerFactory);
        try
        {
            server.WriteKubeconfig(kubeconfig);
            options = options with { Port = server.BaseAddress.Port };
            using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await NodeAsync(client, "node-0", new() { ["pool"] = _id });
            await MachineAsync(client, "default", "mm", "256Mi", new() { ["pool"] = _id });
            var pools = new NodePools();
            using var stop = new CancellationTokenSource();
            // Ready machines are looked at again only after a minute: what follows is seen through the watch.
            Task running = Reconciler(client, pools, TimeSpan.FromMinutes(1)).RunAsync(stop.Token);
            await Eventually.UntilAsync(async () => Phase(await GetAsync(client, "default", "mm")) == "Running", TimeSpan.FromSeconds(15), "Running");

            // Writes the watch does not see move the server past its resourceVersion; the restarted server's history
            // starts there, so the watch's resume is a 410 and it lists again.
            await NodeAsync(client, "node-1", new() { ["pool"] = "unrelated" });
            await server.DisposeAsync();
            server = await EmbeddedKubeApi.StartAsync(options, _loggerFactory);
            await MachineAsync(client, "default", "second", "128Mi", new() { ["pool"] = _id });
            await PatchSpecAsync(client, "default", "mm", new { capacity = "320Mi" });

            await Eventually.UntilAsync(async () => Phase(await GetAsync(client, "default", "second")) == "Running", TimeSpan.FromSeconds(30), "second Running");
            JsonElement mm = default;
            await Eventually.UntilAsync(async () => (mm = await GetAsync(client, "default", "mm")).GetProperty("status").GetProperty("observedGeneration").GetInt64() == 2,
                TimeSpan.FromSeconds(30), "mm at generation 2");
            Assert.Equal(320 * Mi, mm.GetProperty("status").GetProperty("nodes")[0].GetProperty("capacity").GetInt64());
            Assert.Contains(_log.Messages, m => m.Contains("410 Gone, listing again", StringComparison.Ordinal));

            await stop.CancelAsync();
            await running;
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(stateDir, recursive: true);
            File.Delete(kubeconfig);
        }
    }

    private MemoryMachineReconciler Reconciler(IKubernetes client, NodePools pools, TimeSpan? resyncAfterReady = null)
    {
        ILogger logger = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information)
            .AddProvider(new XunitLoggerProvider(output)).AddProvider(_log)).CreateLogger("reconciler");
        return new MemoryMachineReconciler(client, pools, KubeApiFixture.Namespace, logger)
        {
            ResyncAfterNotReady = TimeSpan.FromMilliseconds(200),
            ResyncAfterReady = resyncAfterReady ?? TimeSpan.FromSeconds(1),
        };
    }

    private async Task<string> NamespaceAsync(IKubernetes client)
    {
        string ns = "mm-" + _id;
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }

    private static Task NodeAsync(IKubernetes client, string node, Dictionary<string, string> labels) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = NodeRegistry.NodeKind,
            metadata = new { name = node, @namespace = KubeApiFixture.Namespace, labels },
            spec = new { node, ordinal = 0 },
        }, MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, NodeRegistry.NodePlural);

    private static Task MachineAsync(IKubernetes client, string ns, string name, string capacity, Dictionary<string, string> nodeSelector) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "MemoryMachine",
            metadata = new { name, @namespace = ns },
            spec = new { nodeSelector, capacity, deviceMode = "emulation" },
        }, MnemoResources.Group, MnemoResources.Version, ns, MemoryMachineReconciler.Plural);

    private static Task PatchSpecAsync(IKubernetes client, string ns, string name, object spec) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(new { spec }, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, ns, MemoryMachineReconciler.Plural, name);

    private static async Task<JsonElement> GetAsync(IKubernetes client, string ns, string name) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, ns, MemoryMachineReconciler.Plural, name);

    private static async Task<bool> ExistsAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            await GetAsync(client, ns, name);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static string? Phase(JsonElement mm) =>
        mm.TryGetProperty("status", out JsonElement s) && s.TryGetProperty("phase", out JsonElement p) ? p.GetString() : null;

    private static string[] Finalizers(JsonElement mm) => ReconcileLoop.FinalizersOf(mm);

    private static JsonElement? Condition(JsonElement mm, string type) =>
        mm.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("conditions", out JsonElement conditions)
            ? conditions.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("type").GetString() == type)
            : null;

    /// <summary>The nodes' pools: each takes the target as asked (capacity = the bytes, or the percentage of a 1 GiB device),
    /// unless it is told to refuse.</summary>
    private sealed class NodePools : IReconcilerGrain
    {
        public readonly ConcurrentDictionary<string, (string Reason, string Message)> Refuse = new();

        public readonly ConcurrentQueue<(string[] Nodes, NodePoolTarget Target)> Asked = new();

        public Func<NodePoolTarget, Task>? WhileApplying;

        public async Task<NodePoolState[]> ApplyNodePoolsAsync(string[] nodes, NodePoolTarget target)
        {
            Asked.Enqueue((nodes, target));
            if (WhileApplying is { } hook)
                await hook(target);
            long capacity = target.CapacityBytes ?? 1024 * Mi / 100 * target.CapacityPercent!.Value;
            return nodes.Select(node => Refuse.TryGetValue(node, out var refused)
                ? new NodePoolState(node, false, refused.Reason, refused.Message, 300, 200, 1, 0, target.DeviceMode, target.LogLevel)
                : new NodePoolState(node, true, "PoolReady", $"{capacity} bytes", capacity, 0, 0, 0, target.DeviceMode, target.LogLevel)).ToArray();
        }

        public Task<MemshackReadiness> ObserveMemshackAsync(string memshack, int shards) => throw new NotSupportedException();

        public Task<string[]> NodesHoldingMemshackAsync(string memshack) => throw new NotSupportedException();
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public readonly ConcurrentQueue<string> Messages = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(Messages);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
        }
    }
}

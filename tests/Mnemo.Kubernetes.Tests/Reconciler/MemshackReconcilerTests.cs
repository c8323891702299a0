using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes.Reconciler;
using Mnemo.Tests.Shared;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The Memshack reconciler against the embedded API; the shards' state comes from <see cref="ShardStates"/>
/// in place of the grains (the cluster tests run it with real silos).</summary>
[Collection(KubeApiCollection.Name)]
public sealed class MemshackReconcilerTests(KubeApiFixture api, ITestOutputHelper output) : IDisposable
{
    private readonly ILoggerFactory _loggerFactory = XunitLoggerProvider.Factory(output, LogLevel.Information);
    private readonly string _name = "rec-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task Status_service_and_events_follow_the_shards_and_kubectl_describe_shows_them()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "Memshack",
            metadata = new { name = _name, @namespace = KubeApiFixture.Namespace },
            spec = new { num_shards = 2, mcrouter_port = 5100 },
        }, MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks");
        // The move coordinator's fields, which the reconciler must keep.
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Serving","topology":{"shards":2,"replicas":1,"nodes":["node-0"]}}}""", V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks", _name);

        var shards = new ShardStates(new MemshackReadiness(2, 1, ["shard 1: node-1 resyncing"]));
        var reconciler = new MemshackReconciler(client, shards, _loggerFactory.CreateLogger("reconciler"))
        {
            ResyncAfterNotReady = TimeSpan.FromMilliseconds(100),
        };
        using var stop = new CancellationTokenSource();
        Task running = reconciler.RunAsync(stop.Token);
        string key = $"{KubeApiFixture.Namespace}/{_name}";

        JsonElement memshack = default;
        await Eventually.UntilAsync(async () => Condition(memshack = await GetAsync(client), "Ready") is { } c && c.GetProperty("status").GetString() == "False",
            TimeSpan.FromSeconds(10), "Ready=False");
        JsonElement status = memshack.GetProperty("status");
        Assert.Equal("Serving", status.GetProperty("phase").GetString());
        Assert.Equal(2, status.GetProperty("topology").GetProperty("shards").GetInt32());
        Assert.Equal(1, status.GetProperty("observedGeneration").GetInt64());
        Assert.Contains("node-1 resyncing", Condition(memshack, "Ready")!.Value.GetProperty("message").GetString());
        Assert.Equal("True", Condition(memshack, "ImagesUnused")!.Value.GetProperty("status").GetString());
        string notReadySince = Condition(memshack, "Ready")!.Value.GetProperty("lastTransitionTime").GetString()!;

        // The Service is applied after the status is written.
        V1Service? service = null;
        await Eventually.UntilAsync(async () => (service = await client.CoreV1.ReadNamespacedServiceAsync(_name, KubeApiFixture.Namespace)) is not null,
            TimeSpan.FromSeconds(10), "the Memshack's Service");
        Assert.NotNull(service);
        Assert.Equal(5100, service.Spec.Ports.Single().Port);
        Assert.Equal("mnemo-silo", service.Spec.Selector["app.kubernetes.io/name"]);
        var owner = service.Metadata.OwnerReferences.Single();
        Assert.Equal(("Memshack", _name, memshack.GetProperty("metadata").GetProperty("uid").GetString(), true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Contains(service.Metadata.ManagedFields, f => f.Manager == "mnemo" && f.Operation == "Apply");

        // The replicas catch up: Ready flips, with an Event; the port changes: the Service follows.
        shards.Readiness = new MemshackReadiness(2, 2, []);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(new { spec = new { mcrouter_port = 5101 } }, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks", _name);
        await Eventually.UntilAsync(async () => (memshack = await GetAsync(client)).GetProperty("status").GetProperty("observedGeneration").GetInt64() == 2
                && Condition(memshack, "Ready")!.Value.GetProperty("status").GetString() == "True",
            TimeSpan.FromSeconds(10), "Ready=True at generation 2");
        // Whole seconds: the flip may fall in the same second (the projection tests pin the transition rule).
        Assert.True(DateTimeOffset.Parse(Condition(memshack, "Ready")!.Value.GetProperty("lastTransitionTime").GetString()!) >= DateTimeOffset.Parse(notReadySince));
        await Eventually.UntilAsync(async () => (await client.CoreV1.ReadNamespacedServiceAsync(_name, KubeApiFixture.Namespace)).Spec.Ports.Single().Port == 5101,
            TimeSpan.FromSeconds(10), "the Service on the new port");

        var events = await client.CoreV1.ListNamespacedEventAsync(KubeApiFixture.Namespace, fieldSelector: $"involvedObject.name={_name}");
        Assert.Contains(events.Items, e => e.Reason == "ReplicasNotInSync" && e.Type == "Warning");
        Assert.Contains(events.Items, e => e.Reason == "AllReplicasInSync" && e.Type == "Normal" && e.Message.StartsWith("Ready=True"));
        Assert.Contains(events.Items, e => e.Reason == "ServiceCreated");
        Assert.Single(events.Items, e => e.Reason == "AllReplicasInSync");

        string kubectl = ExternalTools.Require("kubectl", "kubectl");
        var (exit, describe) = await ExternalTools.RunAsync(kubectl,
            $"--kubeconfig {api.KubeconfigPath} describe memshack {_name} -n {KubeApiFixture.Namespace}", TimeSpan.FromSeconds(60));
        output.WriteLine(describe);
        Assert.Equal(0, exit);
        Assert.Contains("AllReplicasInSync", describe);
        Assert.Contains("ImagesUnused", describe);
        Assert.Matches(@"Normal\s+AllReplicasInSync", describe);

        Assert.Equal(0, reconciler.Queue.Failures(key));
        await DeleteAndWaitUntilGoneAsync(client);
        stop.Cancel();
        await running;
        await client.CoreV1.DeleteNamespacedServiceAsync(_name, KubeApiFixture.Namespace);
    }

    [Fact]
    public async Task A_deleted_memshack_stays_until_no_silo_holds_it_then_its_finalizer_is_removed()
    {
        using var connection = api.Connect();
        IKubernetes client = connection.Client;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "Memshack",
            metadata = new { name = _name, @namespace = KubeApiFixture.Namespace },
            spec = new { num_shards = 1, mcrouter_port = 5200 },
        }, MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks");
        var shards = new ShardStates(new MemshackReadiness(1, 1, [])) { Holding = ["node-0", "node-1"] };
        var reconciler = new MemshackReconciler(client, shards, _loggerFactory.CreateLogger("reconciler")) { ResyncAfterNotReady = TimeSpan.FromMilliseconds(100) };
        using var stop = new CancellationTokenSource();
        Task running = reconciler.RunAsync(stop.Token);

        await Eventually.UntilAsync(async () => Finalizers(await GetAsync(client)).Contains(MemshackReconciler.Finalizer), TimeSpan.FromSeconds(10), "the finalizer");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks", _name);
        JsonElement terminating = await GetAsync(client);
        Assert.True(terminating.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _));

        // Kept while a silo still holds it, however often it is reconciled.
        await Eventually.UntilAsync(() => shards.HoldingAsked >= 3, TimeSpan.FromSeconds(10), "three cleanup checks");
        Assert.Equal([MemshackReconciler.Finalizer], Finalizers(await GetAsync(client)));

        shards.Holding = [];
        await DeleteAndWaitUntilGoneAsync(client);
        var events = await client.CoreV1.ListNamespacedEventAsync(KubeApiFixture.Namespace, fieldSelector: $"involvedObject.name={_name}");
        Assert.Contains(events.Items, e => e.Reason == "CleanedUp");
        stop.Cancel();
        await running;
        await client.CoreV1.DeleteNamespacedServiceAsync(_name, KubeApiFixture.Namespace);
    }

    private async Task DeleteAndWaitUntilGoneAsync(IKubernetes client)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks", _name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return;
        }
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await GetAsync(client);
                return false;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(10), "the Memshack to be gone");
    }

    private static string[] Finalizers(JsonElement memshack) =>
        memshack.GetProperty("metadata").TryGetProperty("finalizers", out JsonElement f) ? f.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];

    private async Task<JsonElement> GetAsync(IKubernetes client) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, "memshacks", _name);

    private static JsonElement? Condition(JsonElement memshack, string type) =>
        memshack.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("conditions", out JsonElement conditions)
            ? conditions.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("type").GetString() == type)
            : null;

    /// <summary>Stands in for the grains: the readiness the test sets.</summary>
    private sealed class ShardStates(MemshackReadiness readiness) : IReconcilerGrain
    {
        public volatile MemshackReadiness Readiness = readiness;

        public volatile string[] Holding = [];

        public int HoldingAsked;

        public Task<MemshackReadiness> ObserveMemshackAsync(string memshack, int shards) => Task.FromResult(Readiness);

        public Task<string[]> NodesHoldingMemshackAsync(string memshack)
        {
            Interlocked.Increment(ref HoldingAsked);
            return Task.FromResult(Holding);
        }

        public Task<NodePoolState[]> ApplyNodePoolsAsync(string[] nodes, NodePoolTarget target) =>
            throw new NotSupportedException("the Memshack reconciler does not configure pools");
    }
}

using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.KubeApiServer;
using Mnemo.Tests.Shared;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The list-then-watch helper against the embedded server, on the Memshack resource.</summary>
[Collection(KubeApiCollection.Name)]
public sealed class CustomResourceWatchTests(KubeApiFixture api, ITestOutputHelper output) : IDisposable
{
    private const string Plural = "memshacks";
    private readonly string _run = "run-" + Guid.NewGuid().ToString("N")[..10];
    private readonly ILoggerFactory _loggerFactory = XunitLoggerProvider.Factory(output, LogLevel.Debug);

    private string Selector => $"test-run={_run}";

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task Lists_then_watches_additions_changes_and_deletions()
    {
        using var raw = api.Connect();
        await CreateAsync(raw.Client, "a", KubeApiFixture.Namespace);
        await CreateAsync(raw.Client, "b", KubeApiFixture.Namespace);
        var watch = NewWatch(raw.Client, KubeApiFixture.Namespace);
        await using var recorder = new WatchRecorder(watch);

        var initial = await recorder.UntilResyncedAsync();
        Assert.Equal(["default/a", "default/b"], initial.Where(e => e.Type == ResourceWatchEventType.Added).Select(e => e.Key).Order());
        Assert.Equal(3, initial.Count);
        Assert.Equal(2, initial[^1].Objects.Count);

        await CreateAsync(raw.Client, "c", KubeApiFixture.Namespace);
        var added = await recorder.NextAsync();
        Assert.Equal((ResourceWatchEventType.Added, "default/c"), (added.Type, added.Key));
        Assert.Equal("c", added.Object!.Value.GetProperty("metadata").GetProperty("name").GetString());

        await raw.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new { spec = new { num_shards = 5 } }, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, Plural, "a");
        var modified = await recorder.NextAsync();
        Assert.Equal((ResourceWatchEventType.Modified, "default/a"), (modified.Type, modified.Key));
        Assert.Equal(5, modified.Objects["default/a"].GetProperty("spec").GetProperty("num_shards").GetInt32());

        // An object outside the selector makes no event: the next one is the deletion.
        await CreateAsync(raw.Client, "unlabelled-" + _run, KubeApiFixture.Namespace, labelled: false);
        await raw.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, Plural, "b");
        var deleted = await recorder.NextAsync();
        Assert.Equal((ResourceWatchEventType.Deleted, "default/b"), (deleted.Type, deleted.Key));
        Assert.Equal(["default/a", "default/c"], deleted.Objects.Keys.Order());

        // Earlier snapshots are not changed by later events.
        Assert.Equal(2, initial[^1].Objects.Count);
        Assert.Contains("default/b", initial[^1].Objects.Keys);
        Assert.Equal(1, watch.ListCount);

        await DeleteAllAsync(raw.Client, KubeApiFixture.Namespace, "a", "c", "unlabelled-" + _run);
    }

    [Fact]
    public async Task Resumes_after_each_end_of_stream_without_relisting_or_repeating()
    {
        var watchRequests = new WatchRequestCounter();
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(api.KubeconfigPath), watchRequests);
        await CreateAsync(client, "x", KubeApiFixture.Namespace);
        var watch = NewWatch(client, KubeApiFixture.Namespace, watchTimeoutSeconds: 1);
        await using var recorder = new WatchRecorder(watch);
        await recorder.UntilResyncedAsync();

        // The server ends each watch after a second; wait for the third request (two resumes).
        await Eventually.UntilAsync(() => watchRequests.Count >= 3, TimeSpan.FromSeconds(15), "two watch resumes");
        Assert.True(recorder.IsIdle, "a resumed watch repeated an event");

        await CreateAsync(client, "y", KubeApiFixture.Namespace);
        var next = await recorder.NextAsync();
        Assert.Equal((ResourceWatchEventType.Added, "default/y"), (next.Type, next.Key));
        Assert.Equal(1, watch.ListCount);

        await DeleteAllAsync(client, KubeApiFixture.Namespace, "x", "y");
    }

    [Fact]
    public async Task Follows_all_namespaces()
    {
        using var raw = api.Connect();
        var other = "watch-" + _run;
        await raw.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = other } });
        await CreateAsync(raw.Client, "p", KubeApiFixture.Namespace);
        var watch = NewWatch(raw.Client, @namespace: null);
        await using var recorder = new WatchRecorder(watch);

        var initial = await recorder.UntilResyncedAsync();
        Assert.Equal(["default/p"], initial[^1].Objects.Keys);

        await CreateAsync(raw.Client, "q", other);
        var added = await recorder.NextAsync();
        Assert.Equal((ResourceWatchEventType.Added, $"{other}/q"), (added.Type, added.Key));
        Assert.Null(watch.Namespace);

        await DeleteAllAsync(raw.Client, KubeApiFixture.Namespace, "p");
        await DeleteAllAsync(raw.Client, other, "q");
    }

    [Fact]
    public async Task A_restarted_server_without_the_history_gets_a_relist_that_reconciles()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "mnemo-watch-restart-" + Guid.NewGuid().ToString("N"));
        var kubeconfig = Path.Combine(stateDir + "-kubeconfig");
        var serverOptions = new KubeApiServerOptions { Port = 0, StateDir = stateDir, ResourcePaths = [RepositoryPaths.Crds] };
        var server = await EmbeddedKubeApi.StartAsync(serverOptions, _loggerFactory);
        try
        {
            server.WriteKubeconfig(kubeconfig);
            serverOptions = serverOptions with { Port = server.BaseAddress.Port };
            using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await CreateAsync(client, "a", KubeApiFixture.Namespace);
            await CreateAsync(client, "b", KubeApiFixture.Namespace);
            var watch = NewWatch(client, KubeApiFixture.Namespace);
            await using var recorder = new WatchRecorder(watch);
            Assert.Equal(2, (await recorder.UntilResyncedAsync())[^1].Objects.Count);

            // A write the watch does not see moves the server past the watch's resourceVersion; a
            // restarted server's history starts there, so resuming from the old one is 410 Gone.
            await CreateAsync(client, "unlabelled", KubeApiFixture.Namespace, labelled: false);
            await server.DisposeAsync();
            server = await EmbeddedKubeApi.StartAsync(serverOptions, _loggerFactory);
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, Plural, "b");
            await CreateAsync(client, "c", KubeApiFixture.Namespace);

            var changes = new List<ResourceWatchEvent>();
            while (watch.Objects.Count != 2 || !watch.Objects.ContainsKey("default/c") || changes.All(e => e.Type != ResourceWatchEventType.Resynced))
            {
                changes.Add(await recorder.NextAsync(TimeSpan.FromSeconds(20)));
            }

            Assert.Equal(2, watch.ListCount);
            Assert.Equal(["default/a", "default/c"], watch.Objects.Keys.Order());
            Assert.Contains(changes, e => e is { Type: ResourceWatchEventType.Deleted, Key: "default/b" });
            Assert.Contains(changes, e => e is { Type: ResourceWatchEventType.Added, Key: "default/c" });
            Assert.DoesNotContain(changes, e => e.Key == "default/a"); // unchanged: no event
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(stateDir, recursive: true);
            File.Delete(kubeconfig);
        }
    }

    private CustomResourceWatch NewWatch(IKubernetes client, string? @namespace, int? watchTimeoutSeconds = 300) =>
        new(client, MnemoResources.Group, MnemoResources.Version, Plural, @namespace, _loggerFactory.CreateLogger<CustomResourceWatch>())
        {
            LabelSelector = Selector,
            WatchTimeoutSeconds = watchTimeoutSeconds,
            MinRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        };

    private async Task CreateAsync(IKubernetes client, string name, string @namespace, bool labelled = true)
    {
        var labels = labelled ? new Dictionary<string, string> { ["test-run"] = _run } : [];
        var body = new
        {
            apiVersion = MnemoResources.ApiVersion,
            kind = "Memshack",
            metadata = new { name, labels },
            spec = new { num_shards = 1 },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, MnemoResources.Group, MnemoResources.Version, @namespace, Plural);
    }

    private static async Task DeleteAllAsync(IKubernetes client, string @namespace, params string[] names)
    {
        foreach (var name in names)
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, @namespace, Plural, name);
        }
    }

    /// <summary>Counts the watch requests a client makes.</summary>
    private sealed class WatchRequestCounter : DelegatingHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.Query.Contains("watch=true", StringComparison.Ordinal) == true) Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

using System.Text.Json;
using k8s;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The edges of the watch history and bookmarks, each on a server of its own with small limits.</summary>
public sealed class WatchHistoryTests
{
    [Fact]
    public async Task Watch_from_a_resource_version_older_than_the_history_reports_410_to_on_error()
    {
        await using EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { WatchHistoryLimit = 3 });
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });
        V1ConfigMap first = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c0" } }, "default");
        for (int i = 1; i <= 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } }, "default");
        }

        var errors = new List<Exception>();
        var events = new List<WatchEventType>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, _) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: first.Metadata.ResourceVersion, onError: errors.Add, cancellationToken: timeout.Token))
        {
            events.Add(type);
        }

        Assert.Empty(events);
        var expired = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.StartsWith("too old resource version", expired.Status.Message);
        Assert.False(timeout.IsCancellationRequested);
    }

    [Fact]
    public async Task Watches_that_allow_bookmarks_get_them()
    {
        await using EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=1");
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        string line = (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)))!;

        using JsonDocument bookmark = JsonDocument.Parse(line);
        Assert.Equal("BOOKMARK", bookmark.RootElement.GetProperty("type").GetString());
        JsonElement obj = bookmark.RootElement.GetProperty("object");
        Assert.Equal("ConfigMap", obj.GetProperty("kind").GetString());
        Assert.True(long.Parse(obj.GetProperty("metadata").GetProperty("resourceVersion").GetString()!) >= 1);
    }

    [Fact]
    public async Task A_watch_with_a_label_selector_sees_objects_enter_and_leave_the_selection()
    {
        await using EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions());
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });
        V1ConfigMap created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "moving" } }, "default");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"pick":"me"}}}""", V1Patch.PatchType.MergePatch), "moving", "default");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "moving", "default");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"pick":null}}}""", V1Patch.PatchType.MergePatch), "moving", "default");

        var events = new List<WatchEventType>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, _) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", labelSelector: "pick=me",
            resourceVersion: created.Metadata.ResourceVersion, cancellationToken: timeout.Token))
        {
            events.Add(type);
            if (events.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events);
    }
}

using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>State in a StateDir survives a restart: objects, CRDs and the resourceVersion counter.</summary>
public sealed class PersistenceTests
{
    private const string Crd = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.persist.test.mnemo.dev"},
         "spec":{"group":"persist.test.mnemo.dev","scope":"Namespaced","names":{"kind":"Thing","plural":"things"},
                 "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"n":{"type":"integer"}}}}}}}]}}
        """;

    [Fact]
    public async Task Objects_crds_and_the_resource_version_survive_a_restart()
    {
        using var state = new TempFolder();
        var options = new KubeApiServerOptions { StateDir = state.Path };
        long lastRevision;
        string uid;
        await using (EmbeddedKubeApi first = await EmbeddedKubeApi.StartAsync(options))
        {
            using IKubernetes client = Client(first);
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "kept" } });
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(Crd));
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                KubernetesJson.Deserialize<JsonElement>("""{"apiVersion":"persist.test.mnemo.dev/v1","kind":"Thing","metadata":{"name":"t1"},"spec":{"n":1}}"""),
                "persist.test.mnemo.dev", "v1", "kept", "things");
            V1ConfigMap map = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "m" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "kept");
            map.Data["k"] = "v2";
            map = await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "m", "kept");
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "gone" } }, "kept");
            await client.CoreV1.DeleteNamespacedConfigMapAsync("gone", "kept");
            uid = map.Metadata.Uid;
            lastRevision = long.Parse((await client.CoreV1.ListNamespacedConfigMapAsync("kept")).Metadata.ResourceVersion);
        }

        await using EmbeddedKubeApi second = await EmbeddedKubeApi.StartAsync(options);
        using IKubernetes again = Client(second);
        V1ConfigMap restored = await again.CoreV1.ReadNamespacedConfigMapAsync("m", "kept");
        Assert.Equal(("v2", uid), (restored.Data["k"], restored.Metadata.Uid));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => again.CoreV1.ReadNamespacedConfigMapAsync("gone", "kept"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        var thing = (JsonElement)await again.CustomObjects.GetNamespacedCustomObjectAsync("persist.test.mnemo.dev", "v1", "kept", "things", "t1");
        Assert.Equal(1, thing.GetProperty("spec").GetProperty("n").GetInt32());

        V1ConfigMap next = await again.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, "kept");
        Assert.True(long.Parse(next.Metadata.ResourceVersion) > lastRevision, $"{next.Metadata.ResourceVersion} after {lastRevision}");
    }

    [Fact]
    public async Task A_torn_last_log_line_is_ignored_and_a_second_server_cannot_share_the_folder()
    {
        using var state = new TempFolder();
        var options = new KubeApiServerOptions { StateDir = state.Path };
        await using (EmbeddedKubeApi first = await EmbeddedKubeApi.StartAsync(options))
        {
            using IKubernetes client = Client(first);
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "acknowledged" } }, "default");
            await Assert.ThrowsAsync<IOException>(() => EmbeddedKubeApi.StartAsync(options));
        }
        // A crash in the middle of appending a change leaves half a line.
        string log = Directory.EnumerateFiles(state.Path, "*.jsonl").Single();
        File.AppendAllText(log, "{\"rv\":999,\"resource\":\"configmaps\",\"object\":{\"metadata\":{\"na");

        await using EmbeddedKubeApi second = await EmbeddedKubeApi.StartAsync(options);
        using IKubernetes again = Client(second);
        V1ConfigMapList maps = await again.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(["acknowledged"], maps.Items.Select(m => m.Metadata.Name));
        Assert.True(long.Parse(maps.Metadata.ResourceVersion) < 999);
    }

    private static Kubernetes Client(EmbeddedKubeApi server) => new(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });
}

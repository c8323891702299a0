using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>Several clients racing on one object: resourceVersion checks are atomic, so no update is lost.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Concurrent_read_modify_write_loops_lose_no_update()
    {
        await using EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions());
        using var setup = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });
        await setup.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "counter" }, Data = new Dictionary<string, string> { ["n"] = "0" } }, "default");
        const int Clients = 6, Increments = 15;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            using var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });
            for (int done = 0; done < Increments;)
            {
                V1ConfigMap map = await client.CoreV1.ReadNamespacedConfigMapAsync("counter", "default");
                map.Data["n"] = (int.Parse(map.Data["n"]) + 1).ToString();
                try
                {
                    await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "counter", "default");
                    done++;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Another client wrote first: read again and retry.
                }
            }
        })));

        V1ConfigMap final = await setup.CoreV1.ReadNamespacedConfigMapAsync("counter", "default");
        Assert.Equal((Clients * Increments).ToString(), final.Data["n"]);
    }
}

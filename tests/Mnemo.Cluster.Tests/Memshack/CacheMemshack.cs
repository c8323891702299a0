using System.Text;
using System.Text.Json;
using k8s;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// The Memshack <c>default/cache</c> of the move tests: applied and changed with the machine's kubectl,
/// preloaded with <see cref="Preloaded"/> keys <c>pre-k</c> = <c>vk</c> through gateways 0 to 2 (mcrouter_port + node index),
/// its moves followed in its status.
/// </summary>
internal static class CacheMemshack
{
    public const string Memshack = "default/cache";
    public const int Preloaded = 10_000;

    public static byte[] Key(int k) => Encoding.UTF8.GetBytes($"pre-{k}");

    public static async Task<string?> MovePhaseAsync(TestCluster cluster)
    {
        JsonElement item = await cluster.Kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("mnemo.dev", "v1alpha1", "default",
            "memshacks", "cache");
        return item.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("move", out JsonElement move)
            ? move.GetProperty("phase").GetString()
            : null;
    }

    public static async Task ApplyAsync(TestCluster cluster, int port, (int Shards, int Replicas) topology)
    {
        string manifest = Path.Combine(Path.GetDirectoryName(cluster.Kubeconfig)!, "cache.yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              namespace: default
              name: cache
            spec:
              num_shards: {topology.Shards}
              num_replicas: {topology.Replicas}
              mcrouter_port: {port}
            """);
        var applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
    }

    /// <summary>Waits until the status records <paramref name="topology"/> as served with no move under way; the last move's record.</summary>
    public static async Task<JsonElement> WaitUntilMovedAsync(TestCluster cluster, (int Shards, int Replicas) topology)
    {
        JsonElement move = default;
        await cluster.WaitUntilAsync(async () =>
        {
            var got = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshack", "cache", "-o", "json");
            if (got.ExitCode != 0)
                return false;
            using JsonDocument document = JsonDocument.Parse(got.Stdout);
            if (!document.RootElement.TryGetProperty("status", out JsonElement status)
                || status.GetProperty("phase").GetString() != "Serving"
                || status.GetProperty("topology").GetProperty("shards").GetInt32() != topology.Shards
                || status.GetProperty("topology").GetProperty("replicas").GetInt32() != topology.Replicas)
                return false;
            move = status.TryGetProperty("move", out JsonElement recorded) ? recorded.Clone() : default;
            return true;
        }, TimeSpan.FromSeconds(120), $"the Memshack to be served with {topology.Shards} shards x {topology.Replicas} replicas");
        return move;
    }

    /// <summary>Once every gateway answers, writes the keys the load reads.</summary>
    public static async Task PreloadAsync(TestCluster cluster, int port)
    {
        await cluster.WaitUntilAsync(async () =>
        {
            for (int node = 0; node < 3; node++)
            {
                try
                {
                    await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + node);
                    await client.CommandAsync("version");
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(60), "every gateway to answer");
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async g =>
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + g);
            for (int k = g; k < Preloaded; k += 3)
                Assert.Equal("STORED", await client.SetAsync($"pre-{k}", $"v{k}"));
        }));
    }
}

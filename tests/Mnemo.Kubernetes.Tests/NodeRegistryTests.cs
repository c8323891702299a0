using k8s;
using k8s.Models;

namespace Mnemo.Kubernetes.Tests;

/// <summary>
/// Node registration and CAS ordinals against the embedded API: ordinals are allocated by a compare-and-swap
/// on one ConfigMap, so allocators racing from separate clients never hand out one ordinal twice, and a node
/// name keeps its ordinal however often it registers and whatever other nodes come and go.
/// </summary>
[Collection(KubeApiCollection.Name)]
public sealed class NodeRegistryTests(KubeApiFixture api)
{
    [Fact]
    public async Task Racing_allocators_give_unique_ordinals_that_stay_with_each_node_name()
    {
        string ns = await NamespaceAsync();
        using KubernetesConnection first = api.Connect(), second = api.Connect();
        var left = new NodeRegistry(first.Client, ns);
        var right = new NodeRegistry(second.Client, ns);
        string[] own = Enumerable.Range(0, 30).Select(i => $"left-{i}").ToArray();
        string[] others = Enumerable.Range(0, 30).Select(i => $"right-{i}").ToArray();
        string[] shared = Enumerable.Range(0, 10).Select(i => $"shared-{i}").ToArray();

        // Both register their own names and the shared ones at once, many requests in flight each.
        Task<(string Node, int Ordinal)[]> Register(NodeRegistry registry, IEnumerable<string> names) =>
            Task.WhenAll(names.Select(async n => (n, await registry.RegisterAsync(n, CancellationToken.None))));
        (string Node, int Ordinal)[][] results = await Task.WhenAll(Register(left, own.Concat(shared)), Register(right, others.Concat(shared)));

        Dictionary<string, int>[] byNode = results.Select(r => r.ToDictionary(x => x.Node, x => x.Ordinal)).ToArray();
        foreach (string node in shared)
            Assert.Equal(byNode[0][node], byNode[1][node]);
        var allocated = byNode[0].Concat(byNode[1]).DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(own.Length + others.Length + shared.Length, allocated.Count);
        Assert.Equal(allocated.Count, allocated.Values.Distinct().Count());
        Assert.All(allocated.Values, o => Assert.InRange(o, 0, NodeRegistry.MaxOrdinals - 1));
        Assert.Equal(allocated.OrderBy(p => p.Key), (await left.ReadOrdinalsAsync(CancellationToken.None)).OrderBy(p => p.Key));
        Assert.Equal(allocated.Keys.Order(StringComparer.Ordinal), await right.ListAsync(CancellationToken.None));

        // A node removed and registered again (or registering on its next start) keeps its ordinal; the others keep theirs.
        await first.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, ns, NodeRegistry.NodePlural,
            NodeRegistry.ObjectName("left-3"));
        Assert.DoesNotContain("left-3", await left.ListAsync(CancellationToken.None));
        Assert.Equal(allocated["left-3"], await right.RegisterAsync("left-3", CancellationToken.None));
        Assert.Equal(allocated["right-7"], await left.RegisterAsync("right-7", CancellationToken.None));
        Assert.Contains("left-3", await left.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_257th_node_name_is_refused_with_a_clear_error()
    {
        string ns = await NamespaceAsync();
        using KubernetesConnection connection = api.Connect();
        var registry = new NodeRegistry(connection.Client, ns);
        for (int i = 0; i < NodeRegistry.MaxOrdinals; i++)
            Assert.Equal(i, await registry.AllocateOrdinalAsync($"n-{i}", CancellationToken.None));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.AllocateOrdinalAsync("one-too-many", CancellationToken.None));
        Assert.Contains("all 256 CAS ordinals", refused.Message);
        Assert.Equal(17, await registry.AllocateOrdinalAsync("n-17", CancellationToken.None));
    }

    private async Task<string> NamespaceAsync()
    {
        string ns = "nodes-" + Guid.NewGuid().ToString("N")[..10];
        using KubernetesConnection connection = api.Connect();
        await connection.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }
}

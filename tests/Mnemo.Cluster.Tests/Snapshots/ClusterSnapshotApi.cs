using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Cluster.Tests;

/// <summary>ClusterSnapshot and ClusterSnapshotRestore resources of the <c>default</c> namespace, written and awaited as a client of the API would.</summary>
public sealed class ClusterSnapshotApi(TestCluster cluster)
{
    private const string Group = "mnemo.dev", Version = "v1alpha1", Namespace = "default";

    public async Task CreateAsync(string name, string memshack)
    {
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "mnemo.dev/v1alpha1",
            ["kind"] = "ClusterSnapshot",
            ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = Namespace },
            ["spec"] = new Dictionary<string, object> { ["target"] = new Dictionary<string, object> { ["memshack"] = memshack.Split('/')[1] } },
        };
        await cluster.Kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, Version, Namespace, "clustersnapshots");
    }

    public async Task RestoreAsync(string restore, string snapshot)
    {
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "mnemo.dev/v1alpha1",
            ["kind"] = "ClusterSnapshotRestore",
            ["metadata"] = new Dictionary<string, object> { ["name"] = restore, ["namespace"] = Namespace },
            ["spec"] = new Dictionary<string, object> { ["snapshot"] = snapshot },
        };
        await cluster.Kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, Version, Namespace, "clustersnapshotrestores");
    }

    /// <summary>The status of the snapshot (or restore) once its phase is one of <paramref name="phases"/>.</summary>
    public async Task<JsonElement> WaitForPhaseAsync(string plural, string name, string[] phases, TimeSpan? timeout = null)
    {
        JsonElement status = default;
        await cluster.WaitUntilAsync(async () =>
        {
            status = await StatusAsync(plural, name);
            return status.ValueKind == JsonValueKind.Object && status.TryGetProperty("phase", out JsonElement phase) && phases.Contains(phase.GetString());
        }, timeout ?? TimeSpan.FromSeconds(60), $"{plural} {name} to reach {string.Join(" or ", phases)}");
        return status;
    }

    public async Task<JsonElement> StatusAsync(string plural, string name)
    {
        JsonElement item = await cluster.Kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(Group, Version, Namespace, plural, name);
        return item.TryGetProperty("status", out JsonElement status) ? status.Clone() : default;
    }

    public async Task<bool> ExistsAsync(string name)
    {
        try
        {
            await cluster.Kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(Group, Version, Namespace, "clustersnapshots", name);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The bytes every running node keeps only for snapshots of <paramref name="memshack"/>'s regions.</summary>
    public async Task<ulong> RetainedBytesAsync(string memshack, IEnumerable<int> nodes)
    {
        await using MnemoClient client = await cluster.ConnectAsync();
        ulong bytes = 0;
        string prefix = $"memshack.{memshack.Replace('/', '.')}.";
        foreach (int node in nodes)
        {
            NodeUsage usage = await client.GetNodeUsageAsync(cluster.Settings[node].NodeName);
            bytes += (ulong)usage.Regions.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(r => (long)r.SnapshotRetainedBytes);
        }
        return bytes;
    }

    /// <summary>The engine snapshots every running node holds of <paramref name="memshack"/>'s regions.</summary>
    public async Task<ulong> EngineSnapshotsAsync(string memshack, IEnumerable<int> nodes)
    {
        await using MnemoClient client = await cluster.ConnectAsync();
        ulong count = 0;
        string prefix = $"memshack.{memshack.Replace('/', '.')}.";
        foreach (int node in nodes)
        {
            NodeUsage usage = await client.GetNodeUsageAsync(cluster.Settings[node].NodeName);
            count += (ulong)usage.Regions.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(r => (long)r.Snapshots);
        }
        return count;
    }
}

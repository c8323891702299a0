using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Cluster.Tests;

/// <summary>ClusterSnapshot and ClusterSnapshotRestore resources of the <c>default</c> namespace, written and awaited as a client of the API would.</summary>
public sealed class ClusterSnapshotApi(TestCluster cluster)
{
    private const string Group = "mnemo.dev", Version = "v1alpha1", Namespace = "default";

    public async Task CreateAsync(string name, string memshack, string? profile = null, string? profileOptions = null)
    {
        var spec = new Dictionary<string, object> { ["target"] = new Dictionary<string, object> { ["memshack"] = memshack.Split('/')[1] } };
        if (profile is not null)
            spec["profile"] = profile;
        if (profileOptions is not null)
            spec["profileOptions"] = profileOptions;
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "mnemo.dev/v1alpha1",
            ["kind"] = "ClusterSnapshot",
            ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = Namespace },
            ["spec"] = spec,
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

    /// <summary>The index of the node whose silo runs the grain of snapshot <paramref name="name"/> (the coordinator of its runs).</summary>
    public async Task<int> CoordinatorAsync(string name)
    {
        await using MnemoClient client = await cluster.ConnectAsync();
        IClusterSnapshotGrain grain = client.Cluster.GetGrain<IClusterSnapshotGrain>($"{Namespace}/{name}");
        SiloAddress silo = await client.Cluster.GetGrain<IManagementGrain>(0).GetActivationAddress(grain)
            ?? throw new InvalidOperationException($"cluster snapshot {name} has no activation");
        return cluster.Settings.ToList().FindIndex(s => s.SiloPort == silo.Endpoint.Port);
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

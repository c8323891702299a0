using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;

namespace Mnemo.Silo;

/// <summary>
/// The <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources in the Kubernetes API (see
/// <c>k8s/crds/clustersnapshots.yaml</c>): specs read as they are, statuses written through the
/// <c>/status</c> subresource with a merge patch, the finalizer with a merge patch of the metadata.
/// </summary>
public sealed class ClusterSnapshotStore(KubernetesConnection kubernetes) : IClusterSnapshotStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public async Task<ClusterSnapshotResource?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        if (await GetAsync(@namespace, MnemoResources.ClusterSnapshotPlural, name, cancellationToken) is not { } item)
            return null;
        JsonElement spec = Child(item, "spec");
        JsonElement target = Child(spec, "target");
        bool deleting = Child(item, "metadata").TryGetProperty("deletionTimestamp", out JsonElement deleted) && deleted.ValueKind == JsonValueKind.String;
        return new ClusterSnapshotResource(@namespace, name, Text(target, "namespace") ?? @namespace, Text(target, "memshack") ?? "",
            Text(spec, "profile"), Text(spec, "profileOptions"), deleting, ReadStatus<SnapshotStatusDocument>(item)?.ToStatus());
    }

    public Task WriteStatusAsync(string @namespace, string name, ClusterSnapshotStatus status, CancellationToken cancellationToken) =>
        PatchStatusAsync(@namespace, MnemoResources.ClusterSnapshotPlural, name, SnapshotStatusDocument.Of(status), cancellationToken);

    public async Task SetFinalizerAsync(string @namespace, string name, bool present, CancellationToken cancellationToken)
    {
        string[]? finalizers = present ? [MnemoResources.ClusterSnapshotFinalizer] : null;
        string body = JsonSerializer.Serialize(new { metadata = new { finalizers } }, Json);
        await kubernetes.Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, @namespace, MnemoResources.ClusterSnapshotPlural, name, cancellationToken: cancellationToken);
    }

    public async Task<ClusterSnapshotRestoreResource?> ReadRestoreAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        if (await GetAsync(@namespace, MnemoResources.ClusterSnapshotRestorePlural, name, cancellationToken) is not { } item)
            return null;
        return new ClusterSnapshotRestoreResource(@namespace, name, Text(Child(item, "spec"), "snapshot") ?? "", ReadStatus<ClusterSnapshotRestoreStatus>(item));
    }

    public Task WriteRestoreStatusAsync(string @namespace, string name, ClusterSnapshotRestoreStatus status, CancellationToken cancellationToken) =>
        PatchStatusAsync(@namespace, MnemoResources.ClusterSnapshotRestorePlural, name,
            new RestoreStatusDocument(status.Phase, status.ShardsDone, status.ShardsTotal, status.FenceMilliseconds, status.RestoredAt, status.Message),
            cancellationToken);

    private async Task<JsonElement?> GetAsync(string @namespace, string plural, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, @namespace,
                plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task PatchStatusAsync(string @namespace, string plural, string name, object status, CancellationToken cancellationToken)
    {
        string body = JsonSerializer.Serialize(new { status }, Json);
        await kubernetes.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, @namespace, plural, name, cancellationToken: cancellationToken);
    }

    private static T? ReadStatus<T>(JsonElement item) where T : class
    {
        if (!item.TryGetProperty("status", out JsonElement status) || status.ValueKind != JsonValueKind.Object)
            return null;
        try
        {
            return status.Deserialize<T>(Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement child) ? child : default;

    private static string? Text(JsonElement parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>The status as stored: the figures at the top (for printer columns), the manifest below.</summary>
    private sealed record SnapshotStatusDocument(string? Phase, int ShardsDone, int ShardsTotal, long Items, long Bytes, DateTimeOffset? CreatedAt,
        double? FenceMilliseconds, double? DurationMilliseconds, string? Message, ManifestDocument? Manifest)
    {
        public static SnapshotStatusDocument Of(ClusterSnapshotStatus s) =>
            new(s.Phase, s.ShardsDone, s.ShardsTotal, s.Items, s.Bytes, s.CreatedAt, s.FenceMilliseconds, s.DurationMilliseconds, s.Message,
                s.Manifest is { } m ? new ManifestDocument(m.Memshack, new TopologyDocument(m.Topology.Shards, m.Topology.Replicas, m.Topology.Nodes), m.Replicas, m.TakenAt) : null);

        public ClusterSnapshotStatus ToStatus() =>
            new(Phase ?? ClusterSnapshotStatus.Pending, ShardsDone, ShardsTotal, Items, Bytes, CreatedAt, FenceMilliseconds, DurationMilliseconds, Message,
                Manifest is { Memshack: { } memshack, Topology: { } t, Replicas: { } replicas }
                    ? new ClusterSnapshotManifest(memshack, new MemshackTopology(t.Shards, t.Replicas, t.Nodes ?? []), replicas, Manifest.TakenAt)
                    : null);
    }

    private sealed record ManifestDocument(string? Memshack, TopologyDocument? Topology, ReplicaSnapshot[]? Replicas, DateTimeOffset TakenAt);

    private sealed record TopologyDocument(int Shards, int Replicas, string[]? Nodes);

    private sealed record RestoreStatusDocument(string Phase, int ShardsDone, int ShardsTotal, double? FenceMilliseconds, DateTimeOffset? RestoredAt, string? Message);
}

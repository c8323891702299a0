using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mnemo.Kubernetes;

/// <summary>
/// A <c>clusterversions.mnemo.dev</c> object: the version row of one cluster's membership table. Its
/// <c>metadata.resourceVersion</c> is the table etag.
/// </summary>
internal sealed class ClusterVersionResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = MnemoResources.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = MnemoResources.ClusterVersionKind;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ClusterVersionSpec Spec { get; set; } = new();
}

internal sealed class ClusterVersionSpec
{
    [JsonPropertyName("clusterId")] public string ClusterId { get; set; } = "";

    /// <summary>Orleans' <c>TableVersion.Version</c>.</summary>
    [JsonPropertyName("version")] public int Version { get; set; }

    /// <summary>Random id of this table incarnation, so rows left by a deleted table are not mistaken for ours.</summary>
    [JsonPropertyName("epoch")] public string Epoch { get; set; } = "";

    /// <summary>Count of committed row writes; not Orleans' version, which the caller chooses.</summary>
    [JsonPropertyName("commit")] public long Commit { get; set; }

    /// <summary>The row write of commit <see cref="Commit"/>, kept so anyone can finish it.</summary>
    [JsonPropertyName("lastCommit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CommitRecord? LastCommit { get; set; }
}

/// <summary>The row a commit wrote: the Silo object name and its full spec.</summary>
internal sealed class CommitRecord
{
    [JsonPropertyName("silo")] public string Silo { get; set; } = "";
    [JsonPropertyName("commit")] public long Commit { get; set; }
    [JsonPropertyName("row")] public SiloSpec Row { get; set; } = new();
}

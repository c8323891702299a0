using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mnemo.Kubernetes;

/// <summary>A <c>silos.mnemo.dev</c> object: one membership-table row (one silo incarnation).</summary>
internal sealed class SiloResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = MnemoResources.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = MnemoResources.SiloKind;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public SiloSpec Spec { get; set; } = new();
}

/// <summary>The row: the MembershipEntry fields plus the two bookkeeping fields of the commit protocol.</summary>
internal sealed class SiloSpec
{
    [JsonPropertyName("clusterId")] public string ClusterId { get; set; } = "";

    /// <summary>The table incarnation (<see cref="ClusterVersionSpec.Epoch"/>) this row was written in.</summary>
    [JsonPropertyName("tableEpoch")] public string TableEpoch { get; set; } = "";

    /// <summary>The table commit that last wrote this row; it is the row etag. Heartbeats leave it alone.</summary>
    [JsonPropertyName("commit")] public long Commit { get; set; }

    [JsonPropertyName("address")] public string Address { get; set; } = "";
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("generation")] public int Generation { get; set; }
    [JsonPropertyName("endpoint")] public string? Endpoint { get; set; }

    [JsonPropertyName("siloName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SiloName { get; set; }

    [JsonPropertyName("hostName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HostName { get; set; }

    [JsonPropertyName("status")] public string Status { get; set; } = "None";
    [JsonPropertyName("proxyPort")] public int ProxyPort { get; set; }

    [JsonPropertyName("roleName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RoleName { get; set; }

    [JsonPropertyName("updateZone")] public int UpdateZone { get; set; }
    [JsonPropertyName("faultZone")] public int FaultZone { get; set; }
    [JsonPropertyName("startTime")] public string? StartTime { get; set; }
    [JsonPropertyName("iAmAliveTime")] public string? IAmAliveTime { get; set; }

    /// <summary>Suspicion votes; null and empty are kept apart because Orleans keeps them apart.</summary>
    [JsonPropertyName("suspectTimes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<SuspectTime>? SuspectTimes { get; set; }

    /// <summary>A shallow copy; the vote list is never mutated in place.</summary>
    public SiloSpec Clone() => (SiloSpec)MemberwiseClone();
}

/// <summary>One suspicion vote: the voting silo (<c>SiloAddress.ToParsableString()</c>) and when.</summary>
internal sealed class SuspectTime
{
    [JsonPropertyName("silo")] public string Silo { get; set; } = "";
    [JsonPropertyName("time")] public string Time { get; set; } = "";
}

/// <summary>The list form returned by a LIST of silos.</summary>
internal sealed class SiloResourceList : IKubernetesObject<V1ListMeta>, IItems<SiloResource>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = MnemoResources.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = "SiloList";
    [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
    [JsonPropertyName("items")] public IList<SiloResource> Items { get; set; } = new List<SiloResource>();
}

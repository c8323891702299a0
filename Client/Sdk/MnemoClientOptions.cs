namespace Mnemo.Client;

/// <summary>How a <see cref="MnemoClient"/> finds the cluster: the silos' gRPC endpoints for cache and
/// Memshack calls, and for the grain calls a static list of Orleans gateways or the membership
/// resources in the Kubernetes API (the gateways of the Active silos).</summary>
public sealed class MnemoClientOptions
{
    /// <summary>Comma-separated <c>host:port</c> gateways, used when <see cref="Gateways"/> is empty.</summary>
    public const string GatewayEnvironmentVariable = "MNEMO_GATEWAY";

    /// <summary>Comma-separated gRPC endpoints (<c>host:port</c> or <c>http://host:port</c>), used when <see cref="GrpcEndpoints"/> is empty.</summary>
    public const string GrpcEnvironmentVariable = "MNEMO_GRPC";

    /// <summary>The Orleans cluster id, used when <see cref="ClusterId"/> is not set.</summary>
    public const string ClusterIdEnvironmentVariable = "MNEMO_CLUSTER_ID";

    public const string DefaultClusterId = "mnemo";

    /// <summary>Orleans gateway endpoints (<c>host:port</c> of the silos' gateway ports). Empty: from the Kubernetes API.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The kubeconfig to find the membership resources with when no gateway is given (null: in-cluster, <c>$KUBECONFIG</c> or <c>~/.kube/config</c>).</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Namespace of the membership resources (null: the kubeconfig context's, else default).</summary>
    public string? Namespace { get; set; }

    public string ClusterId { get; set; } = DefaultClusterId;

    /// <summary>
    /// The silos' gRPC API endpoints (<c>host:port</c>, plain HTTP/2, or <c>http(s)://host:port</c>), tried
    /// in order: a call that finds its endpoint unavailable goes to the next one. Empty: on the first call, each
    /// Active silo is asked for its own through the Orleans client (its gateways, or the Kubernetes API).
    /// </summary>
    public List<string> GrpcEndpoints { get; set; } = [];

    /// <summary>Deadline of a gRPC call that sets no timeout of its own.</summary>
    public TimeSpan CacheCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long <see cref="MnemoClient.ConnectAsync"/> keeps trying to reach a gateway.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of every grain call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Options from the environment: <c>MNEMO_GATEWAY</c>, <c>MNEMO_GRPC</c> and <c>MNEMO_CLUSTER_ID</c>.</summary>
    public static MnemoClientOptions FromEnvironment()
    {
        var options = new MnemoClientOptions();
        if (Environment.GetEnvironmentVariable(GatewayEnvironmentVariable) is { Length: > 0 } gateways)
            options.Gateways = [.. gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (Environment.GetEnvironmentVariable(GrpcEnvironmentVariable) is { Length: > 0 } grpc)
            options.GrpcEndpoints = [.. grpc.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (Environment.GetEnvironmentVariable(ClusterIdEnvironmentVariable) is { Length: > 0 } clusterId)
            options.ClusterId = clusterId;
        return options;
    }
}

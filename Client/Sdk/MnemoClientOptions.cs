namespace Mnemo.Client;

/// <summary>How a <see cref="MnemoClient"/> finds the cluster: a static list of Orleans gateways, or the
/// membership resources in the Kubernetes API (the gateways of the Active silos).</summary>
public sealed class MnemoClientOptions
{
    /// <summary>Comma-separated <c>host:port</c> gateways, used when <see cref="Gateways"/> is empty.</summary>
    public const string GatewayEnvironmentVariable = "MNEMO_GATEWAY";

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

    /// <summary>How long <see cref="MnemoClient.ConnectAsync"/> keeps trying to reach a gateway.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of every grain call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Options from the environment: <c>MNEMO_GATEWAY</c> and <c>MNEMO_CLUSTER_ID</c>.</summary>
    public static MnemoClientOptions FromEnvironment()
    {
        var options = new MnemoClientOptions();
        if (Environment.GetEnvironmentVariable(GatewayEnvironmentVariable) is { Length: > 0 } gateways)
            options.Gateways = [.. gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (Environment.GetEnvironmentVariable(ClusterIdEnvironmentVariable) is { Length: > 0 } clusterId)
            options.ClusterId = clusterId;
        return options;
    }
}

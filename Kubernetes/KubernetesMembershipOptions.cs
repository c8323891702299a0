using k8s;

namespace Mnemo.Kubernetes;

/// <summary>Where the membership table and the gateway list live. ClusterId comes from Orleans' ClusterOptions.</summary>
public sealed class KubernetesMembershipOptions
{
    /// <summary>Namespace of the Silo and ClusterVersion objects; null: the connection's (see <see cref="KubernetesConnection"/>).</summary>
    public string? Namespace { get; set; }

    /// <summary>Kubeconfig file to use instead of the in-cluster / KUBECONFIG / ~/.kube/config choice.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Supplies the client configuration directly; wins over <see cref="KubeconfigPath"/>.</summary>
    public Func<KubernetesClientConfiguration>? ClientConfiguration { get; set; }

    /// <summary>
    /// How often a read retries when a commit lands while it reads (each retry is immediate); a read that
    /// cannot get a consistent view after that many tries throws, and Orleans retries it.
    /// </summary>
    public int MaxReadAttempts { get; set; } = 20;

    internal KubernetesConnection Connect() => ClientConfiguration is { } supply
        ? KubernetesConnection.Create(supply(), Namespace)
        : KubernetesConnection.Create(KubeconfigPath, Namespace);
}

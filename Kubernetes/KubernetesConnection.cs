using k8s;

namespace Mnemo.Kubernetes;

/// <summary>
/// A Kubernetes API client plus the namespace to work in, chosen the way every Mnemo component does it
/// (silo membership, the silo's resource watches, the CLI):
/// <list type="number">
/// <item>an explicit kubeconfig path;</item>
/// <item>in a pod (<see cref="KubernetesClientConfiguration.IsInCluster"/>): the service account;</item>
/// <item>otherwise the first existing file of <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.</item>
/// </list>
/// Namespace: the explicit one; in a pod <c>POD_NAMESPACE</c>, else the service-account namespace file;
/// from a kubeconfig its context's namespace; else <c>default</c>.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    public const string PodNamespaceVariable = "POD_NAMESPACE";
    public const string KubeconfigVariable = "KUBECONFIG";
    public const string DefaultNamespace = "default";

    private KubernetesConnection(IKubernetes client, string @namespace, KubernetesClientConfiguration configuration)
    {
        Client = client;
        Namespace = @namespace;
        Configuration = configuration;
    }

    public IKubernetes Client { get; }

    public string Namespace { get; }

    public KubernetesClientConfiguration Configuration { get; }

    /// <summary>Connects as described on the class; <paramref name="namespace"/> overrides the namespace.</summary>
    public static KubernetesConnection Create(string? kubeconfigPath = null, string? @namespace = null)
    {
        var inCluster = string.IsNullOrEmpty(kubeconfigPath) && KubernetesClientConfiguration.IsInCluster();
        var configuration = LoadConfiguration(kubeconfigPath);
        var podNamespace = inCluster ? Environment.GetEnvironmentVariable(PodNamespaceVariable) : null;
        return Create(configuration, FirstNonEmpty(@namespace, podNamespace));
    }

    /// <summary>Connects with a given configuration; the namespace defaults to the configuration's.</summary>
    public static KubernetesConnection Create(KubernetesClientConfiguration configuration, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var ns = FirstNonEmpty(@namespace, configuration.Namespace?.Trim()) ?? DefaultNamespace;
        return new KubernetesConnection(new k8s.Kubernetes(configuration), ns, configuration);
    }

    /// <summary>The client configuration alone, chosen as described on the class.</summary>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfigPath = null)
    {
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        var path = FindKubeconfig() ?? throw new InvalidOperationException(
            $"No Kubernetes configuration: not in a pod, {KubeconfigVariable} names no existing file and ~/.kube/config does not exist.");
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
    }

    /// <summary>The first existing file listed in <c>KUBECONFIG</c>, else <c>~/.kube/config</c> if it exists.</summary>
    public static string? FindKubeconfig()
    {
        var fromVariable = Environment.GetEnvironmentVariable(KubeconfigVariable);
        if (!string.IsNullOrEmpty(fromVariable))
        {
            foreach (var candidate in fromVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                if (File.Exists(candidate)) return candidate;
            }
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var defaultPath = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultPath) ? defaultPath : null;
    }

    public void Dispose() => Client.Dispose();

    private static string? FirstNonEmpty(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}

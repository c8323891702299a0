using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.KubeApiServer;
using Mnemo.Tests.Shared;

namespace Mnemo.Kubernetes.Tests;

/// <summary>One embedded Kubernetes API (loopback, free port, the repo's CRDs) shared by the suites.</summary>
public sealed class KubeApiFixture : IAsyncLifetime
{
    public const string Namespace = "default";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mnemo-k8s-tests-" + Guid.NewGuid().ToString("N"));
    private EmbeddedKubeApi? _server;

    public string KubeconfigPath => Path.Combine(_dir, "kubeconfig");

    public Uri BaseAddress => Server.BaseAddress;

    public EmbeddedKubeApi Server => _server ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _server = await EmbeddedKubeApi.StartAsync(
            new KubeApiServerOptions { Port = 0, ResourcePaths = [RepositoryPaths.Crds] }, NullLoggerFactory.Instance);
        _server.WriteKubeconfig(KubeconfigPath, Namespace);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    /// <summary>A raw client, for looking at the objects the code under test wrote.</summary>
    public KubernetesConnection Connect() => KubernetesConnection.Create(KubeconfigPath);

    public KubernetesMembershipOptions MembershipOptions() => new() { KubeconfigPath = KubeconfigPath, Namespace = Namespace };

    public void Configure(KubernetesMembershipOptions options)
    {
        options.KubeconfigPath = KubeconfigPath;
        options.Namespace = Namespace;
    }
}

[CollectionDefinition(Name)]
public sealed class KubeApiCollection : ICollectionFixture<KubeApiFixture>
{
    public const string Name = "kube-api";
}

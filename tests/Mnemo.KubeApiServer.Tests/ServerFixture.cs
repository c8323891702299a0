using Mnemo.Tests.Shared;
using k8s;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>
/// One server for the tests of the "server" collection, on a free loopback port, serving the
/// test CRDs and the repository's k8s/crds; with a kubeconfig, a kubectl and a KubernetesClient
/// for it. Each test works in a namespace of its own.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempFolder folder = new();
    private int namespaces;

    public EmbeddedKubeApi Server { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    internal Kubectl Kubectl { get; private set; } = null!;

    internal TempFolder Folder => folder;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        string crds = folder.File("crds/test-crds.yaml", string.Join("\n---\n", TestResources.WidgetCrd, TestResources.GadgetCrd, TestResources.GizmoCrd));
        Server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [crds, RepositoryPaths.Crds] });
        string kubeconfig = Server.WriteKubeconfig(Path.Combine(folder.Path, "kubeconfig"));
        Kubectl = new Kubectl(kubeconfig, Path.Combine(folder.Path, "kubectl-cache"));
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        Http.BaseAddress = Server.BaseAddress;
    }

    /// <summary>Creates a fresh namespace for one test.</summary>
    public async Task<string> NamespaceAsync(string prefix)
    {
        string name = $"{prefix}-{Interlocked.Increment(ref namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Server.DisposeAsync();
        folder.Dispose();
    }
}

[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;

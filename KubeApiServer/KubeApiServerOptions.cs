namespace Mnemo.KubeApiServer;

/// <summary>Where the embedded Kubernetes API listens, where it keeps its state, and what it serves from the start.</summary>
public sealed record KubeApiServerOptions
{
    /// <summary>The address to listen on: an IP address or <c>localhost</c>. Loopback only by default.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (see <see cref="EmbeddedKubeApi.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>A folder that keeps the objects and the resourceVersion counter across restarts; null keeps them in memory only.</summary>
    public string? StateDir { get; init; }

    /// <summary>YAML files or folders of them, applied at start-up before the first request: CustomResourceDefinitions
    /// first, then Namespaces, then any other object (created when missing).</summary>
    public IReadOnlyList<string> ResourcePaths { get; init; } = [];

    /// <summary>How many events per resource a watch can resume from; older resourceVersions get 410 Expired.</summary>
    internal int WatchHistoryLimit { get; init; } = 4096;

    /// <summary>How often watches that allow bookmarks get one.</summary>
    internal TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a deleted namespace that still holds objects stays Terminating before they are
    /// deleted with it, as Kubernetes' namespace controller does it after the delete was answered
    /// (clients such as <c>kubectl delete -k</c> delete the namespace, then the objects in it).
    /// </summary>
    internal TimeSpan NamespaceCleanupDelay { get; init; } = TimeSpan.FromSeconds(2);
}

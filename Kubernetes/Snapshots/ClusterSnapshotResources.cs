using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes;

/// <summary>
/// The <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources of one namespace (<paramref name="namespace"/>,
/// else the connection's), read and written through the Kubernetes API: the silos do the work and record it in
/// their status. The CLI, the gRPC <c>Snapshots</c> service and the silo's management console ask for snapshots through it.
/// </summary>
public sealed class ClusterSnapshotResources(KubernetesConnection kubernetes, string? @namespace = null)
{
    public string Namespace => @namespace ?? kubernetes.Namespace;

    /// <summary>Creates the snapshot's resource; returns it as created (Pending: the silos have not seen it yet).</summary>
    public async Task<ClusterSnapshotView> CreateAsync(string name, string memshack, string? memshackNamespace, string? profile, string? profileOptions,
        CancellationToken cancellationToken)
    {
        var target = new Dictionary<string, object> { ["memshack"] = memshack, ["namespace"] = memshackNamespace ?? Namespace };
        var spec = new Dictionary<string, object> { ["target"] = target };
        if (profile is { Length: > 0 })
            spec["profile"] = profile;
        if (profileOptions is { Length: > 0 })
            spec["profileOptions"] = profileOptions;
        return ClusterSnapshotView.Of(await CreateObjectAsync(MnemoResources.ClusterSnapshotKind, MnemoResources.ClusterSnapshotPlural, name, spec, cancellationToken));
    }

    public Task CreateRestoreAsync(string name, string snapshot, CancellationToken cancellationToken) =>
        CreateObjectAsync(MnemoResources.ClusterSnapshotRestoreKind, MnemoResources.ClusterSnapshotRestorePlural, name,
            new Dictionary<string, object> { ["snapshot"] = snapshot }, cancellationToken);

    public async Task<ClusterSnapshotView?> GetAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotPlural, name, cancellationToken) is { } item ? ClusterSnapshotView.Of(item) : null;

    /// <summary>The manifest of a committed snapshot: null when the resource does not exist or has none (yet).</summary>
    public async Task<ClusterSnapshotManifest?> GetManifestAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotPlural, name, cancellationToken) is { } item
            && JsonFields.Child(JsonFields.Child(item, "status"), "manifest") is { ValueKind: JsonValueKind.Object } manifest
            ? manifest.Deserialize<ClusterSnapshotManifest>(JsonSerializerOptions.Web)
            : null;

    public async Task<ClusterSnapshotRestoreView?> GetRestoreAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotRestorePlural, name, cancellationToken) is { } item ? ClusterSnapshotRestoreView.Of(item) : null;

    public async Task<IReadOnlyList<ClusterSnapshotView>> ListAsync(CancellationToken cancellationToken)
    {
        JsonElement list = await kubernetes.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
            Namespace, MnemoResources.ClusterSnapshotPlural, cancellationToken: cancellationToken);
        return list.GetProperty("items").EnumerateArray().Select(ClusterSnapshotView.Of).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<ClusterSnapshotRestoreView>> ListRestoresAsync(CancellationToken cancellationToken)
    {
        JsonElement list = await kubernetes.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
            Namespace, MnemoResources.ClusterSnapshotRestorePlural, cancellationToken: cancellationToken);
        return list.GetProperty("items").EnumerateArray().Select(ClusterSnapshotRestoreView.Of).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Deletes the snapshot resource; false when there is none. It stays until the silos dropped its engine snapshots.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await kubernetes.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(MnemoResources.Group, MnemoResources.Version, Namespace,
                MnemoResources.ClusterSnapshotPlural, name, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<JsonElement> CreateObjectAsync(string kind, string plural, string name, Dictionary<string, object> spec, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = MnemoResources.ApiVersion,
            ["kind"] = kind,
            ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = Namespace },
            ["spec"] = spec,
        };
        try
        {
            return await kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(body, MnemoResources.Group, MnemoResources.Version, Namespace, plural,
                cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is >= 400 and < 500)
        {
            throw new ResourceRejectedException(e.Response.StatusCode, $"{kind} {Namespace}/{name} was not created: {StatusMessage(e)}");
        }
    }

    private async Task<JsonElement?> GetObjectAsync(string plural, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, Namespace,
                plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The API's own words: the <c>message</c> of its Status reply.</summary>
    private static string StatusMessage(HttpOperationException e)
    {
        try
        {
            using JsonDocument status = JsonDocument.Parse(e.Response.Content);
            if (status.RootElement.TryGetProperty("message", out JsonElement message))
                return message.GetString() ?? e.Message;
        }
        catch (JsonException)
        {
        }
        return e.Message;
    }
}

/// <summary>The API refused to create a resource (a name taken, a field it does not accept): a client's error.</summary>
public sealed class ResourceRejectedException(HttpStatusCode status, string message) : ArgumentException(message)
{
    public HttpStatusCode Status { get; } = status;
}

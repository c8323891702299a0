using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;

namespace Mnemo.Cli;

/// <summary>
/// The <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources of one namespace, read and
/// written through the Kubernetes API: the silos do the work and record it in their status.
/// </summary>
internal sealed class ClusterSnapshotResources(KubernetesConnection kubernetes)
{
    public string Namespace => kubernetes.Namespace;

    public async Task CreateAsync(string name, string memshack, string? memshackNamespace, string? profile, string? profileOptions, CancellationToken cancellationToken)
    {
        var target = new Dictionary<string, object> { ["memshack"] = memshack, ["namespace"] = memshackNamespace ?? Namespace };
        var spec = new Dictionary<string, object> { ["target"] = target };
        if (profile is { Length: > 0 })
            spec["profile"] = profile;
        if (profileOptions is { Length: > 0 })
            spec["profileOptions"] = profileOptions;
        await CreateObjectAsync(MnemoResources.ClusterSnapshotKind, MnemoResources.ClusterSnapshotPlural, name, spec, cancellationToken);
    }

    public Task CreateRestoreAsync(string name, string snapshot, CancellationToken cancellationToken) =>
        CreateObjectAsync(MnemoResources.ClusterSnapshotRestoreKind, MnemoResources.ClusterSnapshotRestorePlural, name,
            new Dictionary<string, object> { ["snapshot"] = snapshot }, cancellationToken);

    public async Task<SnapshotView?> GetAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotPlural, name, cancellationToken) is { } item ? SnapshotView.Of(item) : null;

    /// <summary>The manifest of a committed snapshot: null when the resource does not exist or has none (yet).</summary>
    public async Task<ClusterSnapshotManifest?> GetManifestAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotPlural, name, cancellationToken) is { } item
            && Fields.Child(Fields.Child(item, "status"), "manifest") is { ValueKind: JsonValueKind.Object } manifest
            ? manifest.Deserialize<ClusterSnapshotManifest>(JsonSerializerOptions.Web)
            : null;

    public async Task<RestoreView?> GetRestoreAsync(string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(MnemoResources.ClusterSnapshotRestorePlural, name, cancellationToken) is { } item ? RestoreView.Of(item) : null;

    public async Task<IReadOnlyList<SnapshotView>> ListAsync(CancellationToken cancellationToken)
    {
        JsonElement list = await kubernetes.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
            Namespace, MnemoResources.ClusterSnapshotPlural, cancellationToken: cancellationToken);
        return list.GetProperty("items").EnumerateArray().Select(SnapshotView.Of).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
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

    private async Task CreateObjectAsync(string kind, string plural, string name, Dictionary<string, object> spec, CancellationToken cancellationToken)
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
            await kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, MnemoResources.Group, MnemoResources.Version, Namespace, plural,
                cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new ArgumentException($"{kind} {Namespace}/{name} was not created: {StatusMessage(e)}");
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

/// <summary>A cluster snapshot as the CLI shows it.</summary>
internal sealed record SnapshotView(string Name, string Namespace, string Memshack, string Phase, int ShardsDone, int ShardsTotal, long Items, long Bytes,
    double? FenceMilliseconds, double? DurationMilliseconds, DateTimeOffset? CreatedAt, string? Message)
{
    public static SnapshotView Of(JsonElement item)
    {
        JsonElement target = Fields.Child(Fields.Child(item, "spec"), "target");
        JsonElement status = Fields.Child(item, "status");
        return new SnapshotView(Fields.Text(Fields.Child(item, "metadata"), "name") ?? "", Fields.Text(Fields.Child(item, "metadata"), "namespace") ?? "",
            $"{Fields.Text(target, "namespace") ?? Fields.Text(Fields.Child(item, "metadata"), "namespace")}/{Fields.Text(target, "memshack")}",
            Fields.Text(status, "phase") ?? "Pending", (int)(Fields.Number(status, "shardsDone") ?? 0), (int)(Fields.Number(status, "shardsTotal") ?? 0),
            (long)(Fields.Number(status, "items") ?? 0), (long)(Fields.Number(status, "bytes") ?? 0), Fields.Number(status, "fenceMilliseconds"),
            Fields.Number(status, "durationMilliseconds"),
            Fields.Text(status, "createdAt") is { } created ? DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture) : null,
            Fields.Text(status, "message"));
    }
}

/// <summary>A restore as the CLI shows it.</summary>
internal sealed record RestoreView(string Name, string Snapshot, string Phase, int ShardsDone, int ShardsTotal, double? FenceMilliseconds, string? Message)
{
    public static RestoreView Of(JsonElement item)
    {
        JsonElement status = Fields.Child(item, "status");
        return new RestoreView(Fields.Text(Fields.Child(item, "metadata"), "name") ?? "", Fields.Text(Fields.Child(item, "spec"), "snapshot") ?? "",
            Fields.Text(status, "phase") ?? "Pending", (int)(Fields.Number(status, "shardsDone") ?? 0), (int)(Fields.Number(status, "shardsTotal") ?? 0),
            Fields.Number(status, "fenceMilliseconds"), Fields.Text(status, "message"));
    }
}

internal static class Fields
{
    public static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement child) ? child : default;

    public static string? Text(JsonElement parent, string name) => Child(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static double? Number(JsonElement parent, string name) => Child(parent, name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;
}

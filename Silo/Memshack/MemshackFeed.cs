using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mnemo.Kubernetes;

namespace Mnemo.Silo;

/// <summary>
/// The Memshack resources of every namespace, followed through the Kubernetes API: after the first
/// list and after every change, everything that exists now (a level, not an edge, so a missed event
/// or a re-list cannot leave a silo serving what was deleted).
/// </summary>
public sealed class MemshackFeed(KubernetesConnection kubernetes, ILogger<MemshackFeed> logger)
{
    public const string Group = "mnemo.dev";
    public const string Version = "v1alpha1";
    public const string Plural = "memshacks";

    public async IAsyncEnumerable<IReadOnlyList<MemshackObject>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watch = new CustomResourceWatch(kubernetes.Client, Group, Version, Plural, @namespace: null, logger);
        bool listed = false;
        await foreach (ResourceWatchEvent change in watch.WatchAsync(cancellationToken))
        {
            listed |= change.Type == ResourceWatchEventType.Resynced;
            if (listed)
                yield return change.Objects.Values.Where(item => !IsBeingDeleted(item)).Select(ToObject).ToList();
        }
    }

    /// <summary>A Memshack with a deletionTimestamp is kept by its cleanup finalizer until every silo let go of it: serve it no more.</summary>
    private static bool IsBeingDeleted(JsonElement item) =>
        item.GetProperty("metadata").TryGetProperty("deletionTimestamp", out JsonElement deleted) && deleted.ValueKind == JsonValueKind.String;

    private static MemshackObject ToObject(JsonElement item)
    {
        JsonElement metadata = item.GetProperty("metadata");
        string Text(string property) => metadata.TryGetProperty(property, out JsonElement value) ? value.GetString() ?? "" : "";
        return new MemshackObject(Text("namespace") is { Length: > 0 } ns ? ns : "default", Text("name"), Text("resourceVersion"), item.GetRawText());
    }
}

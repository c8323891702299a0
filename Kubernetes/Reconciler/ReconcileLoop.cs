using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// The work loop of a level-based reconciler: a <see cref="CustomResourceWatch"/> on one resource (all namespaces,
/// re-listed on 410) feeds <c>namespace/name</c> keys into a <see cref="RateLimitedQueue"/>; one key at a time is
/// reconciled; a failed key (a 409 from a conditional write included) is re-added after its backoff, a reconciled one
/// after the delay the reconcile returns (null: not again until the resource changes).
/// </summary>
public static class ReconcileLoop
{
    /// <param name="kind">The resource's kind, for the log.</param>
    /// <param name="relevant">Whether a watched change is worth a reconcile (all are when null).</param>
    public static async Task RunAsync(IKubernetes client, string plural, string kind, RateLimitedQueue queue,
        Func<string, CancellationToken, Task<TimeSpan?>> reconcile, ILogger logger, CancellationToken cancellationToken,
        Func<ResourceWatchEvent, bool>? relevant = null)
    {
        var watch = new CustomResourceWatch(client, MnemoResources.Group, MnemoResources.Version, plural, null, logger);
        Task feeding = Task.Run(async () =>
        {
            await foreach (ResourceWatchEvent change in watch.WatchAsync(cancellationToken))
            {
                if (change.Key is { } key)
                {
                    if (relevant?.Invoke(change) ?? true)
                        queue.Add(key);
                }
                else
                {
                    foreach (string existing in change.Objects.Keys)
                        queue.Add(existing);
                }
            }
        }, CancellationToken.None);

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string key = await queue.TakeAsync(cancellationToken);
                try
                {
                    TimeSpan? again = await reconcile(key, cancellationToken);
                    queue.Forget(key);
                    if (again is { } delay)
                        queue.AddAfter(key, delay);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested)
                {
                    TimeSpan delay = queue.AddRateLimited(key);
                    logger.LogWarning(error, "{Kind} {Key}: reconcile failed; retrying in {Delay}", kind, key, delay);
                }
                finally
                {
                    queue.Done(key);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The lease was lost or the silo stops.
        }
        await feeding;
    }

    /// <summary>The custom object a work item's key (<c>namespace/name</c>) names; null when it is gone.</summary>
    public static async Task<JsonElement?> ReadAsync(IKubernetes client, string plural, string key, CancellationToken cancellationToken)
    {
        int slash = key.IndexOf('/');
        if (slash <= 0)
            throw new ArgumentException($"a work item's key is 'namespace/name', got '{key}'");
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
                key[..slash], plural, key[(slash + 1)..], cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Replaces <c>metadata.finalizers</c> of a custom object, on the condition that it did not change since it
    /// was read (its resourceVersion in the patch: a 409 otherwise).</summary>
    public static async Task<JsonElement> SetFinalizersAsync(IKubernetes client, string plural, JsonElement resource, string[] finalizers,
        CancellationToken cancellationToken)
    {
        JsonElement metadata = resource.GetProperty("metadata");
        string body = JsonSerializer.Serialize(new { metadata = new { resourceVersion = metadata.GetProperty("resourceVersion").GetString(), finalizers } });
        string ns = metadata.GetProperty("namespace").GetString()!;
        string name = metadata.GetProperty("name").GetString()!;
        return await client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonElement>(new k8s.Models.V1Patch(body, k8s.Models.V1Patch.PatchType.MergePatch),
            MnemoResources.Group, MnemoResources.Version, ns, plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>The <c>metadata.finalizers</c> of a resource.</summary>
    public static string[] FinalizersOf(JsonElement resource) =>
        resource.GetProperty("metadata").TryGetProperty("finalizers", out JsonElement f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [];

    public static bool IsDeleting(JsonElement resource) =>
        resource.GetProperty("metadata").TryGetProperty("deletionTimestamp", out JsonElement deleted) && deleted.ValueKind == JsonValueKind.String;
}

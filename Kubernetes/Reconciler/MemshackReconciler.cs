using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// Projects each Memshack's actual state into Kubernetes, level-based: a watch on the Memshacks (all namespaces,
/// re-listed on 410) feeds <c>namespace/name</c> keys into a <see cref="RateLimitedQueue"/>; one key at a time,
/// <see cref="ReconcileAsync"/> re-reads the resource, asks <see cref="IReconcilerGrain"/> for its shards, writes
/// the <c>Ready</c> and <c>ImagesUnused</c> conditions and <c>observedGeneration</c> through <c>/status</c> (a merge
/// patch of those fields only: <c>phase</c>, <c>topology</c> and <c>move</c> belong to the move coordinator),
/// applies the Memshack's Service (server-side apply, field manager <see cref="FieldManager"/>) and records an Event
/// for each condition that flipped. Each Memshack carries the <see cref="Finalizer"/>: once deleted, it stays in the API
/// (with a deletionTimestamp, which the silos treat as deleted) until no active silo serves it or holds a region of it.
/// A failed key is retried with its backoff; a reconciled one is looked at again
/// after <see cref="ResyncAfterNotReady"/> or <see cref="ResyncAfterReady"/>, since replica states are not watched.
/// </summary>
public sealed class MemshackReconciler(IKubernetes client, IReconcilerGrain observer, ILogger logger, TimeProvider? time = null)
{
    public const string FieldManager = "mnemo";
    public const string Component = "mnemo-reconciler";
    public const string Plural = "memshacks";

    /// <summary>Keeps a deleted Memshack in the API until every silo stopped serving it and dropped its regions.</summary>
    public const string Finalizer = "mnemo.dev/cleanup";

    /// <summary>The label of the silo pods (the DaemonSet's selector in <c>k8s/silo</c>), which Memshack Services select.</summary>
    public const string SiloSelectorLabel = "app.kubernetes.io/name";
    public const string SiloSelectorValue = "mnemo-silo";
    public const string MemshackLabel = "mnemo.dev/memshack";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ResourceEvents _events = new(client, Component, time);

    public RateLimitedQueue Queue { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), time);

    public TimeSpan ResyncAfterNotReady { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ResyncAfterReady { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Watches and reconciles until <paramref name="cancellationToken"/> is cancelled (the lease was lost, or shutdown).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        ReconcileLoop.RunAsync(client, Plural, "Memshack", Queue, ReconcileAsync, logger, cancellationToken);

    /// <summary>Brings one Memshack's status, Service and Events in line with its actual state; when to look again (null: gone).</summary>
    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        (string ns, string name) = Split(key);
        if (await ReconcileLoop.ReadAsync(client, Plural, key, cancellationToken) is not { } memshack)
            return null;

        string[] finalizers = ReconcileLoop.FinalizersOf(memshack);
        if (ReconcileLoop.IsDeleting(memshack))
            return finalizers.Contains(Finalizer) ? await CleanUpAsync(memshack, key, finalizers, cancellationToken) : null;
        if (!finalizers.Contains(Finalizer))
            memshack = await SetFinalizersAsync(memshack, [.. finalizers, Finalizer], cancellationToken);

        int shards = memshack.TryGetProperty("spec", out JsonElement spec) && spec.TryGetProperty("num_shards", out JsonElement s) && s.TryGetInt32(out int n) ? n : 0;
        MemshackReadiness readiness = await observer.ObserveMemshackAsync(key, shards);
        MemshackStatusProjection.Result status = MemshackStatusProjection.Project(memshack, readiness, _time.GetUtcNow());
        if (status.Changed)
        {
            string body = JsonSerializer.Serialize(new
            {
                status = new { observedGeneration = status.ObservedGeneration, conditions = status.Conditions.Select(c => c.ToJson()) },
            });
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
                MnemoResources.Group, MnemoResources.Version, ns, Plural, name, cancellationToken: cancellationToken);
        }
        foreach (ResourceCondition flipped in status.Flipped)
        {
            string type = flipped.Type == MemshackStatusProjection.ReadyType && flipped.Status != ResourceCondition.True ? ResourceEvents.Warning : ResourceEvents.Normal;
            await _events.RecordAsync(memshack, type, flipped.Reason, $"{flipped.Type}={flipped.Status}: {flipped.Message}", cancellationToken);
            logger.LogInformation("Memshack {Key}: {Type}={Status} ({Reason}: {Message})", key, flipped.Type, flipped.Status, flipped.Reason, flipped.Message);
        }

        await ApplyServiceAsync(memshack, ns, name, cancellationToken);
        return readiness.Ready ? ResyncAfterReady : ResyncAfterNotReady;
    }

    /// <summary>Removes the finalizer once no active silo serves the deleted Memshack or holds its regions; until then, looks again soon.</summary>
    private async Task<TimeSpan?> CleanUpAsync(JsonElement memshack, string key, string[] finalizers, CancellationToken cancellationToken)
    {
        string[] holding = await observer.NodesHoldingMemshackAsync(key);
        if (holding.Length > 0)
        {
            logger.LogInformation("Memshack {Key} is being deleted: waiting for {Nodes} to stop serving it and drop its regions", key, string.Join(", ", holding));
            return ResyncAfterNotReady;
        }
        await _events.RecordAsync(memshack, ResourceEvents.Normal, "CleanedUp", "every silo stopped serving it and dropped its regions", cancellationToken);
        await SetFinalizersAsync(memshack, finalizers.Where(f => f != Finalizer).ToArray(), cancellationToken);
        logger.LogInformation("Memshack {Key}: cleaned up on every silo; finalizer {Finalizer} removed", key, Finalizer);
        return null;
    }

    private Task<JsonElement> SetFinalizersAsync(JsonElement memshack, string[] finalizers, CancellationToken cancellationToken) =>
        ReconcileLoop.SetFinalizersAsync(client, Plural, memshack, finalizers, cancellationToken);

    /// <summary>The Memshack's Service on its <c>mcrouter_port</c>, selecting the silo pods, owned by the Memshack.</summary>
    private async Task ApplyServiceAsync(JsonElement memshack, string ns, string name, CancellationToken cancellationToken)
    {
        int port = memshack.GetProperty("spec").TryGetProperty("mcrouter_port", out JsonElement p) && p.TryGetInt32(out int value) ? value : 5000;
        bool existed = true;
        try
        {
            await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            existed = false;
        }

        JsonElement metadata = memshack.GetProperty("metadata");
        string applied = JsonSerializer.Serialize(new
        {
            apiVersion = "v1",
            kind = "Service",
            metadata = new
            {
                name,
                @namespace = ns,
                labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = FieldManager, [MemshackLabel] = name },
                ownerReferences = new[]
                {
                    new
                    {
                        apiVersion = MnemoResources.ApiVersion,
                        kind = "Memshack",
                        name,
                        uid = metadata.GetProperty("uid").GetString(),
                        controller = true,
                        blockOwnerDeletion = true,
                    },
                },
            },
            spec = new
            {
                selector = new Dictionary<string, string> { [SiloSelectorLabel] = SiloSelectorValue },
                ports = new[] { new { name = "memcached", protocol = "TCP", port, targetPort = port } },
            },
        });
        await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(applied, V1Patch.PatchType.ApplyPatch), name, ns,
            fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        if (!existed)
            await _events.RecordAsync(memshack, ResourceEvents.Normal, "ServiceCreated", $"Service {name} on port {port} selects the silos", cancellationToken);
    }

    private static (string Namespace, string Name) Split(string key)
    {
        int slash = key.IndexOf('/');
        return slash > 0 ? (key[..slash], key[(slash + 1)..]) : throw new ArgumentException($"a Memshack key is 'namespace/name', got '{key}'");
    }
}

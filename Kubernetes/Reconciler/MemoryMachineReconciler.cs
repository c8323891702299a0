using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// Reconciles each MemoryMachine, level-based, on the elected silo: selects the <c>MnemoNode</c>s (in the silos'
/// namespace) whose labels match its <c>nodeSelector</c>, has <see cref="IReconcilerGrain"/> apply its capacity, device
/// mode, pool path and log level to each selected node (a larger capacity grows the pool while it serves; a shrink, a
/// size below what is used, another device mode or another pool path is refused by the node and reported; the log level
/// is switched live), and writes the status through <c>/status</c>
/// (<see cref="MemoryMachineStatusProjection"/>), with an Event for each condition that flipped, carrying the spec's
/// <c>labels</c> (Events are the only objects it creates for a MemoryMachine). It carries the
/// <see cref="Finalizer"/>: once deleted it stays, with the condition <c>DeletionBlocked</c> naming them, while Memshacks
/// in its namespace still use it. Only spec changes and deletions are watched (its own status writes are not); pools are
/// looked at again after <see cref="ResyncAfterNotReady"/> or <see cref="ResyncAfterReady"/>. Its writes carry the
/// resourceVersion it read, so a resource changed during a reconcile gets a 409 and is reconciled again after its backoff.
/// </summary>
public sealed class MemoryMachineReconciler(IKubernetes client, IReconcilerGrain nodes, string nodesNamespace, ILogger logger, TimeProvider? time = null)
{
    public const string Plural = "memorymachines";
    public const string Finalizer = MemshackReconciler.Finalizer;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ResourceEvents _events = new(client, MemshackReconciler.Component, time);

    public RateLimitedQueue Queue { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), time);

    public TimeSpan ResyncAfterNotReady { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ResyncAfterReady { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Watches and reconciles until <paramref name="cancellationToken"/> is cancelled (the lease was lost, or shutdown).</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, (long Generation, bool Deleting)>(StringComparer.Ordinal);
        return ReconcileLoop.RunAsync(client, Plural, "MemoryMachine", Queue, ReconcileAsync, logger, cancellationToken, change =>
        {
            // A status write changes neither; reconciling on it would write the status again and again.
            (long, bool) now = change.Object is { } o && change.Type != ResourceWatchEventType.Deleted
                ? (o.GetProperty("metadata").TryGetProperty("generation", out JsonElement g) && g.TryGetInt64(out long n) ? n : 0, ReconcileLoop.IsDeleting(o))
                : (-1, true);
            bool relevant = !seen.TryGetValue(change.Key!, out var before) || before != now;
            seen[change.Key!] = now;
            return relevant;
        });
    }

    /// <summary>Brings one MemoryMachine's pools and status in line with its spec; when to look again (null: gone).</summary>
    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        int slash = key.IndexOf('/');
        (string ns, string name) = (key[..slash], key[(slash + 1)..]);
        if (await ReconcileLoop.ReadAsync(client, Plural, key, cancellationToken) is not { } machine)
            return null;

        string[] finalizers = ReconcileLoop.FinalizersOf(machine);
        bool deleting = ReconcileLoop.IsDeleting(machine);
        if (deleting && !finalizers.Contains(Finalizer))
            return null;
        string[] usedBy = [];
        if (deleting)
        {
            usedBy = await MemshacksInAsync(ns, cancellationToken);
            if (usedBy.Length == 0)
            {
                await ReconcileLoop.SetFinalizersAsync(client, Plural, machine, finalizers.Where(f => f != Finalizer).ToArray(), cancellationToken);
                logger.LogInformation("MemoryMachine {Key}: no Memshack uses it; finalizer {Finalizer} removed", key, Finalizer);
                return null;
            }
        }
        else if (!finalizers.Contains(Finalizer))
        {
            machine = await ReconcileLoop.SetFinalizersAsync(client, Plural, machine, [.. finalizers, Finalizer], cancellationToken);
        }

        NodePoolState[] pools = [];
        string? specError = null;
        IReadOnlyDictionary<string, string>? labels = null;
        try
        {
            MemoryMachineSpec spec = MemoryMachineSpec.Parse(machine);
            labels = spec.Labels;
            string[] selected = await SelectNodesAsync(spec, cancellationToken);
            if (selected.Length > 0)
                pools = await nodes.ApplyNodePoolsAsync(selected, spec.Target);
        }
        catch (FormatException error)
        {
            specError = error.Message;
        }

        MemoryMachineStatusProjection.Result status = MemoryMachineStatusProjection.Project(machine, pools, specError, usedBy, _time.GetUtcNow());
        if (status.Changed)
        {
            // Conditioned on the version read: a spec changed meanwhile is a 409, and the key is reconciled again.
            string body = new System.Text.Json.Nodes.JsonObject
            {
                ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["resourceVersion"] = machine.GetProperty("metadata").GetProperty("resourceVersion").GetString() },
                ["status"] = status.Status,
            }.ToJsonString();
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
                MnemoResources.Group, MnemoResources.Version, ns, Plural, name, cancellationToken: cancellationToken);
        }
        foreach (ResourceCondition flipped in status.Flipped)
        {
            bool bad = flipped.Type == MemoryMachineStatusProjection.ReadyType ? flipped.Status != ResourceCondition.True : flipped.Status == ResourceCondition.True;
            await _events.RecordAsync(machine, bad ? ResourceEvents.Warning : ResourceEvents.Normal, flipped.Reason,
                $"{flipped.Type}={flipped.Status}: {flipped.Message}", cancellationToken, labels);
            logger.LogInformation("MemoryMachine {Key}: {Type}={Status} ({Reason}: {Message})", key, flipped.Type, flipped.Status, flipped.Reason, flipped.Message);
        }
        return status.Ready && !deleting ? ResyncAfterReady : ResyncAfterNotReady;
    }

    /// <summary>The nodes whose <c>MnemoNode</c> carries every label of the selector, by name.</summary>
    private async Task<string[]> SelectNodesAsync(MemoryMachineSpec spec, CancellationToken cancellationToken)
    {
        JsonElement list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
            nodesNamespace, NodeRegistry.NodePlural, labelSelector: spec.LabelSelector, cancellationToken: cancellationToken);
        return list.GetProperty("items").EnumerateArray()
            .Select(item => item.TryGetProperty("spec", out JsonElement s) && s.TryGetProperty("node", out JsonElement n) ? n.GetString() : null)
            .OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The Memshacks of <paramref name="ns"/> (<c>namespace/name</c>): served by the silos on this MemoryMachine's nodes.</summary>
    private async Task<string[]> MemshacksInAsync(string ns, CancellationToken cancellationToken)
    {
        JsonElement list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version,
            ns, MemshackReconciler.Plural, cancellationToken: cancellationToken);
        return list.GetProperty("items").EnumerateArray()
            .Select(item => $"{ns}/{item.GetProperty("metadata").GetProperty("name").GetString()}").Order(StringComparer.Ordinal).ToArray();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// What the reconciler writes into a MemoryMachine's status, from the resource and the observed pools alone (no I/O):
/// <c>phase</c>, <c>observedGeneration</c>, <c>desiredNodes</c>, <c>readyNodes</c>, one <c>nodes</c> entry per selected
/// node (capacity, used, regions, snapshots, deviceMode, the silo's logLevel in force when it answered, ready, message) and the conditions <c>Ready</c> and, while it
/// is deleted but still used, <c>DeletionBlocked</c>.
/// </summary>
public static class MemoryMachineStatusProjection
{
    public const string ReadyType = "Ready";
    public const string DeletionBlockedType = "DeletionBlocked";
    public const string Running = "Running";
    public const string Failed = "Failed";
    public const string Initializing = "Initializing";

    /// <param name="Status">The whole status object to write (other writers' condition types kept).</param>
    /// <param name="Flipped">The conditions whose status changed (or that are new): each is worth an Event.</param>
    /// <param name="Changed">Whether it differs from the stored status, i.e. whether a write is needed.</param>
    public sealed record Result(JsonObject Status, IReadOnlyList<ResourceCondition> Flipped, bool Changed, bool Ready);

    /// <param name="pools">The selected nodes' pools; empty when no node is selected.</param>
    /// <param name="specError">Why the spec cannot be served, when it cannot (then <paramref name="pools"/> is empty).</param>
    /// <param name="usedBy">While deleted: the Memshacks (<c>namespace/name</c>) that still use it.</param>
    public static Result Project(JsonElement memoryMachine, IReadOnlyList<NodePoolState> pools, string? specError, IReadOnlyList<string>? usedBy,
        DateTimeOffset now)
    {
        long generation = memoryMachine.GetProperty("metadata").TryGetProperty("generation", out JsonElement g) && g.TryGetInt64(out long n) ? n : 0;
        IReadOnlyList<ResourceCondition> before = ResourceCondition.ReadAll(memoryMachine);
        int ready = pools.Count(p => p.Ready);
        bool allReady = specError is null && pools.Count > 0 && ready == pools.Count;
        ResourceCondition readyCondition = specError is not null
            ? new(ReadyType, ResourceCondition.False, "InvalidSpec", specError, generation, now)
            : pools.Count == 0
                ? new(ReadyType, ResourceCondition.False, "NoNodesSelected", "no MnemoNode matches spec.nodeSelector", generation, now)
                : allReady
                    ? new(ReadyType, ResourceCondition.True, "AllPoolsReady", $"{ready} of {pools.Count} nodes have their pool as asked", generation, now)
                    : new(ReadyType, ResourceCondition.False, pools.First(p => !p.Ready).Reason,
                        $"{ready} of {pools.Count} nodes ready; " + string.Join("; ", pools.Where(p => !p.Ready).Select(p => $"{p.Node}: {p.Reason}: {p.Message}")),
                        generation, now);
        IReadOnlyList<ResourceCondition> after = Conditions.Set(before, readyCondition, now);
        if (usedBy is { Count: > 0 })
            after = Conditions.Set(after, new(DeletionBlockedType, ResourceCondition.True, "MemshacksInUse",
                $"Memshacks {string.Join(", ", usedBy)} still use it; delete them first", generation, now), now);
        else
            after = after.Where(c => c.Type != DeletionBlockedType).ToList();

        var status = new JsonObject
        {
            ["phase"] = allReady ? Running : specError is not null || pools.Any(p => !p.Ready) ? Failed : Initializing,
            ["observedGeneration"] = generation,
            ["desiredNodes"] = pools.Count,
            ["readyNodes"] = ready,
            ["nodes"] = new JsonArray(pools.OrderBy(p => p.Node, StringComparer.Ordinal).Select(NodeStatus).ToArray()),
            ["conditions"] = new JsonArray(after.Select(c => JsonSerializer.SerializeToNode(c.ToJson())).ToArray()),
        };

        var flipped = after.Where(c => Conditions.Find(before, c.Type) is not { } old || old.Status != c.Status).ToList();
        JsonNode? stored = memoryMachine.TryGetProperty("status", out JsonElement s) && s.ValueKind == JsonValueKind.Object ? JsonNode.Parse(s.GetRawText()) : null;
        bool changed = stored is not JsonObject storedObject || status.Any(field => !JsonNode.DeepEquals(field.Value, storedObject[field.Key]));
        return new Result(status, flipped, changed, allReady);
    }

    private static JsonNode NodeStatus(NodePoolState pool)
    {
        var node = new JsonObject
        {
            ["node"] = pool.Node,
            ["capacity"] = pool.Capacity,
            ["used"] = pool.Used,
            ["regions"] = pool.Regions,
            ["snapshots"] = pool.Snapshots,
            ["deviceMode"] = pool.DeviceMode,
        };
        // Absent rather than null when the node did not answer: a stored status never holds nulls, so a null would read as a change.
        if (pool.LogLevel is { } level)
            node["logLevel"] = level;
        node["ready"] = pool.Ready;
        node["message"] = $"{pool.Reason}: {pool.Message}";
        return node;
    }
}

using System.Text.Json;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// What the reconciler writes into a Memshack's status, computed from the resource and the observed shards alone
/// (no I/O): the <c>Ready</c> and <c>ImagesUnused</c> conditions and <c>observedGeneration</c>.
/// </summary>
public static class MemshackStatusProjection
{
    public const string ReadyType = "Ready";
    public const string ImagesUnusedType = "ImagesUnused";

    /// <param name="Conditions">All conditions after the update (other writers' types kept).</param>
    /// <param name="ObservedGeneration">The generation these conditions were computed from.</param>
    /// <param name="Flipped">The conditions whose status changed (or that are new): each is worth an Event.</param>
    /// <param name="Changed">Whether anything differs from the stored status, i.e. whether a write is needed.</param>
    public sealed record Result(IReadOnlyList<ResourceCondition> Conditions, long ObservedGeneration, IReadOnlyList<ResourceCondition> Flipped, bool Changed);

    public static Result Project(JsonElement memshack, MemshackReadiness readiness, DateTimeOffset now)
    {
        long generation = memshack.TryGetProperty("metadata", out JsonElement metadata) && metadata.TryGetProperty("generation", out JsonElement g)
            && g.TryGetInt64(out long n) ? n : 0;
        IReadOnlyList<ResourceCondition> before = ResourceCondition.ReadAll(memshack);
        ResourceCondition ready = readiness.Ready
            ? new(ReadyType, ResourceCondition.True, "AllReplicasInSync", $"all {readiness.Shards} shards have every replica in sync", generation, now)
            : new(ReadyType, ResourceCondition.False, "ReplicasNotInSync",
                $"{readiness.ReadyShards} of {readiness.Shards} shards ready; {string.Join("; ", readiness.Problems)}", generation, now);
        IReadOnlyList<ResourceCondition> after = Conditions.Set(Conditions.Set(before, ready, now), ImagesUnused(memshack, generation, now), now);

        var flipped = after.Where(c => Conditions.Find(before, c.Type) is not { } old || old.Status != c.Status).ToList();
        long storedGeneration = memshack.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("observedGeneration", out JsonElement sg) && sg.TryGetInt64(out long s) ? s : -1;
        bool changed = storedGeneration != generation || !after.SequenceEqual(before);
        return new Result(after, generation, flipped, changed);
    }

    /// <summary>The seed's image fields are accepted for compatibility; Mnemo serves the cache itself and uses neither.</summary>
    private static ResourceCondition ImagesUnused(JsonElement memshack, long generation, DateTimeOffset now)
    {
        var set = new List<string>();
        if (memshack.TryGetProperty("spec", out JsonElement spec) && spec.ValueKind == JsonValueKind.Object)
        {
            foreach (string field in new[] { "memcached_image", "mcrouter_image" })
            {
                if (spec.TryGetProperty(field, out JsonElement image) && image.ValueKind == JsonValueKind.String)
                    set.Add($"{field} ({image.GetString()})");
            }
        }
        return set.Count > 0
            ? new(ImagesUnusedType, ResourceCondition.True, "ServedByMnemo",
                $"{string.Join(" and ", set)} {(set.Count == 1 ? "is" : "are")} accepted for compatibility and not used: Mnemo serves the cache itself", generation, now)
            : new(ImagesUnusedType, ResourceCondition.True, "NoImages", "no image is set; Mnemo serves the cache itself", generation, now);
    }
}

using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Strategic merge patch (<c>application/strategic-merge-patch+json</c>) for built-in kinds, as
/// kubectl's client-side apply sends it: a merge patch whose lists of keyed objects merge by key
/// (a Service's ports by <c>port</c>, a Pod's containers by <c>name</c>...), with the directives
/// <c>$patch: delete|replace</c>, <c>$setElementOrder/...</c>, <c>$deleteFromPrimitiveList/...</c>
/// and <c>$retainKeys</c>. Lists whose key is not known here are replaced, like in a merge patch.
/// </summary>
internal static class StrategicMergePatch
{
    // The patchMergeKey tags of the built-in types' lists, by kind and field path ("[]" steps into list items).
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["*:metadata.ownerReferences"] = "uid",
        ["*:status.conditions"] = "type",
        ["Service:spec.ports"] = "port",
        ["Pod:spec.containers"] = "name",
        ["Pod:spec.initContainers"] = "name",
        ["Pod:spec.volumes"] = "name",
        ["Pod:spec.imagePullSecrets"] = "name",
        ["Pod:spec.containers[].env"] = "name",
        ["Pod:spec.containers[].ports"] = "containerPort",
        ["Pod:spec.containers[].volumeMounts"] = "mountPath",
        ["Pod:spec.initContainers[].env"] = "name",
        ["Pod:spec.initContainers[].volumeMounts"] = "mountPath",
        ["DaemonSet:spec.template.spec.containers"] = "name",
        ["DaemonSet:spec.template.spec.initContainers"] = "name",
        ["DaemonSet:spec.template.spec.volumes"] = "name",
        ["DaemonSet:spec.template.spec.imagePullSecrets"] = "name",
        ["DaemonSet:spec.template.spec.containers[].env"] = "name",
        ["DaemonSet:spec.template.spec.containers[].ports"] = "containerPort",
        ["DaemonSet:spec.template.spec.containers[].volumeMounts"] = "mountPath",
        ["DaemonSet:spec.template.spec.initContainers[].env"] = "name",
        ["DaemonSet:spec.template.spec.initContainers[].volumeMounts"] = "mountPath",
    };

    // Lists of scalars with patchStrategy "merge": patches add to them instead of replacing them.
    private static readonly HashSet<string> MergedScalarLists = new(StringComparer.Ordinal) { "*:metadata.finalizers" };

    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    /// <summary>Applies <paramref name="patch"/> to an object of kind <paramref name="kind"/> in place.</summary>
    public static void Apply(string kind, JsonObject target, JsonObject patch) => MergeObject(kind, target, patch, "");

    private static void MergeObject(string kind, JsonObject target, JsonObject patch, string path)
    {
        if (patch["$patch"] is JsonValue directive && directive.TryGetValue(out string? mode) && mode == "replace")
        {
            target.Clear();
            foreach (var (key, value) in patch)
            {
                if (!key.StartsWith('$') && value is not null)
                {
                    target[key] = Clean(value);
                }
            }
            return;
        }
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            switch (value)
            {
                case null:
                    target.Remove(key);
                    break;
                case JsonObject child when IsDirective(child, "delete"):
                    target.Remove(key);
                    break;
                case JsonObject child:
                    if (target[key] is not JsonObject targetChild)
                    {
                        targetChild = new JsonObject();
                        target[key] = targetChild;
                    }
                    MergeObject(kind, targetChild, child, childPath);
                    break;
                case JsonArray list when target[key] is JsonArray targetList && MergeKey(kind, childPath) is { } mergeKey:
                    MergeList(kind, targetList, list, mergeKey, childPath);
                    break;
                case JsonArray list when target[key] is JsonArray targetList && IsMergedScalarList(kind, childPath):
                    foreach (JsonNode? item in list)
                    {
                        if (!targetList.Any(existing => JsonNode.DeepEquals(existing, item)))
                        {
                            targetList.Add(item?.DeepClone());
                        }
                    }
                    break;
                default:
                    target[key] = Clean(value);
                    break;
            }
        }
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal) && target[key[DeleteFromPrimitiveList.Length..]] is JsonArray scalars && value is JsonArray removed)
            {
                foreach (JsonNode? item in scalars.Where(existing => removed.Any(r => JsonNode.DeepEquals(r, existing))).ToList())
                {
                    scalars.Remove(item);
                }
            }
        }
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order)
            {
                string field = key[SetElementOrder.Length..];
                if (target[field] is JsonArray list)
                {
                    Reorder(list, order, MergeKey(kind, path.Length == 0 ? field : $"{path}.{field}"));
                }
            }
        }
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (string key in target.Select(pair => pair.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(key);
            }
        }
    }

    private static void MergeList(string kind, JsonArray target, JsonArray patch, string mergeKey, string path)
    {
        if (patch.OfType<JsonObject>().Any(item => IsDirective(item, "replace")))
        {
            target.Clear();
            foreach (JsonNode? item in patch.Where(item => item is not JsonObject o || !IsDirective(o, "replace")))
            {
                target.Add(item is null ? null : Clean(item));
            }
            return;
        }
        foreach (JsonNode? item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                target.Add(item?.DeepClone());
                continue;
            }
            JsonNode? key = patchItem[mergeKey];
            JsonObject? match = target.OfType<JsonObject>().FirstOrDefault(existing => JsonNode.DeepEquals(existing[mergeKey], key));
            if (IsDirective(patchItem, "delete"))
            {
                if (match is not null)
                {
                    target.Remove(match);
                }
            }
            else if (match is not null)
            {
                MergeObject(kind, match, patchItem, path + "[]");
            }
            else
            {
                target.Add(Clean(patchItem));
            }
        }
    }

    // Items named in the order come first, in that order; the others keep their order after them.
    private static void Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        int Position(JsonNode? item)
        {
            for (int i = 0; i < order.Count; i++)
            {
                JsonNode? wanted = order[i];
                bool same = mergeKey is not null && item is JsonObject o && wanted is JsonObject w
                    ? JsonNode.DeepEquals(o[mergeKey], w[mergeKey])
                    : JsonNode.DeepEquals(item, wanted);
                if (same)
                {
                    return i;
                }
            }
            return int.MaxValue;
        }
        var items = list.Select((item, index) => (Item: item, Index: index)).ToList();
        List<JsonNode?> sorted = [.. items.OrderBy(x => Position(x.Item)).ThenBy(x => x.Index).Select(x => x.Item)];
        list.Clear();
        foreach (JsonNode? item in sorted)
        {
            list.Add(item);
        }
    }

    private static string? MergeKey(string kind, string path) =>
        MergeKeys.GetValueOrDefault($"{kind}:{path}") ?? MergeKeys.GetValueOrDefault($"*:{path}");

    private static bool IsMergedScalarList(string kind, string path) =>
        MergedScalarLists.Contains($"{kind}:{path}") || MergedScalarLists.Contains($"*:{path}");

    private static bool IsDirective(JsonObject obj, string mode) =>
        obj["$patch"] is JsonValue value && value.TryGetValue(out string? text) && text == mode;

    /// <summary>A copy of patch content without directives, for values that are set rather than merged.</summary>
    private static JsonNode Clean(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var cleanObject = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (!key.StartsWith('$'))
                    {
                        cleanObject[key] = value is null ? null : Clean(value);
                    }
                }
                return cleanObject;
            case JsonArray array:
                var cleanArray = new JsonArray();
                foreach (JsonNode? item in array)
                {
                    if (item is not JsonObject o || !IsDirective(o, "delete"))
                    {
                        cleanArray.Add(item is null ? null : Clean(item));
                    }
                }
                return cleanArray;
            default:
                return node.DeepClone();
        }
    }
}

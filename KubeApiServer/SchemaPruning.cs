using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Drops the fields a structural schema does not declare, as the API server does to a custom
/// resource before it stores it: an object keeps only its <c>properties</c> (every key when it
/// has <c>additionalProperties</c> or <c>x-kubernetes-preserve-unknown-fields</c>), arrays are
/// pruned item by item, and an object's <c>apiVersion</c>, <c>kind</c> and <c>metadata</c> are
/// always kept at the root and in embedded resources.
/// </summary>
internal static class SchemaPruning
{
    /// <summary>Prunes a whole resource in place and returns the paths of the fields it dropped (for <c>fieldValidation</c>).</summary>
    public static List<string> Prune(JsonObject resource, JsonElement schema)
    {
        var pruned = new List<string>();
        PruneObject(resource, schema, "", isResourceRoot: true, pruned);
        return pruned;
    }

    /// <summary>Prunes one top-level field of a resource (its <c>status</c>) against that field's schema.</summary>
    public static List<string> Prune(JsonObject resource, JsonElement fieldSchema, string field)
    {
        var pruned = new List<string>();
        Prune(resource[field], fieldSchema, field, pruned);
        return pruned;
    }

    private static void Prune(JsonNode? node, JsonElement schema, string path, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, Flag(schema, "x-kubernetes-embedded-resource"), pruned);
                break;
            case JsonArray array when schema.GetChild("items") is { ValueKind: JsonValueKind.Object } items:
                for (int i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, $"{path}[{i}]", pruned);
                }
                break;
        }
    }

    private static void PruneObject(JsonObject obj, JsonElement schema, string path, bool isResourceRoot, List<string> pruned)
    {
        JsonElement? properties = schema.GetChild("properties");
        JsonElement? additional = schema.GetChild("additionalProperties");
        bool preserveUnknown = Flag(schema, "x-kubernetes-preserve-unknown-fields");
        foreach (var (key, value) in obj.ToList())
        {
            string child = path.Length == 0 ? key : $"{path}.{key}";
            if (isResourceRoot && key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }
            if (properties is { ValueKind: JsonValueKind.Object } declared && declared.TryGetProperty(key, out JsonElement property))
            {
                Prune(value, property, child, pruned);
            }
            else if (additional is { ValueKind: JsonValueKind.Object } valueSchema)
            {
                Prune(value, valueSchema, child, pruned);
            }
            else if (!preserveUnknown && additional?.ValueKind != JsonValueKind.True)
            {
                obj.Remove(key);
                pruned.Add(child);
            }
        }
    }

    internal static bool Flag(JsonElement schema, string name) => schema.GetChild(name)?.ValueKind == JsonValueKind.True;
}

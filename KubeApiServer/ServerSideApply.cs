using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>) with field ownership kept in
/// <c>metadata.managedFields</c>: the applied configuration merges into the object (maps by key,
/// lists and scalars replaced), each field manager owns the fields it applied, a field it stops
/// applying is removed unless another manager owns it, and changing a field another manager
/// applied is a 409 conflict unless <c>force</c> is set. Only Apply operations are tracked.
/// </summary>
internal static class ServerSideApply
{
    private const char Separator = '\n';

    // Fields the server owns; an applied configuration does not own them.
    private static readonly HashSet<string> SystemMetadata = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    };

    /// <summary>
    /// The object after <paramref name="manager"/> applies <paramref name="applied"/> to <paramref name="live"/>
    /// (null: the object is created from it). <paramref name="subresource"/> "status" applies the status only.
    /// </summary>
    public static JsonObject Apply(ResourceType type, JsonElement? live, JsonObject applied, string manager, bool force, string? subresource)
    {
        string now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        HashSet<string> fields = OwnedFields(type, applied, subresource);
        if (live is not { } liveElement)
        {
            JsonObject created = (JsonObject)applied.DeepClone();
            WriteManagedFields(created, [new Entry(manager, type.GroupVersion, now, subresource, fields)]);
            return created;
        }

        JsonObject result = Json.ToObject(liveElement);
        List<Entry> entries = ReadManagedFields(result);
        Entry? mine = entries.FirstOrDefault(e => e.Manager == manager && e.Subresource == subresource);
        var conflicts = new List<(string Manager, string ApiVersion, string Field)>();
        foreach (Entry other in entries.Where(e => e != mine))
        {
            foreach (string field in fields.Where(other.Fields.Contains).ToList())
            {
                if (JsonNode.DeepEquals(ValueAt(result, field), ValueAt(applied, field)))
                {
                    continue; // same value: the managers share the field
                }
                if (force)
                {
                    other.Fields.Remove(field);
                }
                else
                {
                    conflicts.Add((other.Manager, other.ApiVersion, field));
                }
            }
        }
        if (conflicts.Count > 0)
        {
            throw ApplyConflict(type, ObjectMeta.Name(result), conflicts);
        }

        Merge(result, applied);
        if (mine is not null)
        {
            var ownedByOthers = entries.Where(e => e != mine).SelectMany(e => e.Fields).ToHashSet();
            foreach (string field in mine.Fields.Where(f => !fields.Contains(f) && !ownedByOthers.Contains(f)))
            {
                RemoveAt(result, field);
            }
            entries.Remove(mine);
        }
        bool unchanged = mine is not null && mine.Fields.SetEquals(fields);
        entries.Add(new Entry(manager, type.GroupVersion, unchanged ? mine!.Time : now, subresource, fields));
        WriteManagedFields(result, [.. entries.Where(e => e.Fields.Count > 0)]);
        return result;
    }

    private sealed record Entry(string Manager, string ApiVersion, string Time, string? Subresource, HashSet<string> Fields);

    private static KubeApiException ApplyConflict(ResourceType type, string name, List<(string Manager, string ApiVersion, string Field)> conflicts)
    {
        string Dotted(string field) => "." + field.Replace(Separator, '.');
        string message = $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: "
            + string.Join("; ", conflicts.Select(c => $"conflict with \"{c.Manager}\" using {c.ApiVersion}: {Dotted(c.Field)}"));
        var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}",
            ["field"] = Dotted(c.Field),
        })]);
        return new KubeApiException(409, "Conflict", message, new JsonObject
        {
            ["name"] = name,
            ["group"] = type.Group,
            ["kind"] = type.Plural,
            ["causes"] = causes,
        });
    }

    /// <summary>The leaf fields of an applied configuration: scalars, lists and empty maps, by path.</summary>
    private static HashSet<string> OwnedFields(ResourceType type, JsonObject applied, string? subresource)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in applied)
        {
            bool owned = key switch
            {
                "apiVersion" or "kind" => false,
                "status" => subresource == "status" || !type.HasStatus,
                _ => subresource != "status",
            };
            if (!owned)
            {
                continue;
            }
            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (!SystemMetadata.Contains(metaKey))
                    {
                        Collect(metaValue, "metadata" + Separator + metaKey, fields);
                    }
                }
            }
            else
            {
                Collect(value, key, fields);
            }
        }
        return fields;
    }

    private static void Collect(JsonNode? node, string path, HashSet<string> fields)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, value) in obj)
            {
                Collect(value, path + Separator + key, fields);
            }
        }
        else
        {
            fields.Add(path);
        }
    }

    private static void Merge(JsonObject target, JsonObject applied)
    {
        foreach (var (key, value) in applied)
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static JsonNode? ValueAt(JsonObject root, string field)
    {
        JsonNode? current = root;
        foreach (string step in field.Split(Separator))
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(step, out current))
            {
                return null;
            }
        }
        return current;
    }

    private static void RemoveAt(JsonObject root, string field)
    {
        string[] steps = field.Split(Separator);
        JsonObject? parent = root;
        foreach (string step in steps[..^1])
        {
            parent = parent?[step] as JsonObject;
        }
        parent?.Remove(steps[^1]);
    }

    // managedFields entries in the Kubernetes shape: fieldsV1 nests "f:<field>" keys down to empty objects at the leaves.
    private static List<Entry> ReadManagedFields(JsonObject obj)
    {
        var entries = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray managed)
        {
            return entries;
        }
        foreach (JsonObject entry in managed.OfType<JsonObject>())
        {
            if (entry.GetString("operation") != "Apply" || entry.GetString("manager") is not { } manager)
            {
                continue;
            }
            var fields = new HashSet<string>(StringComparer.Ordinal);
            if (entry["fieldsV1"] is JsonObject tree)
            {
                ReadFields(tree, "", fields);
            }
            entries.Add(new Entry(manager, entry.GetString("apiVersion") ?? "", entry.GetString("time") ?? "", entry.GetString("subresource"), fields));
        }
        return entries;
    }

    private static void ReadFields(JsonObject tree, string path, HashSet<string> fields)
    {
        bool hasChildren = false;
        foreach (var (key, value) in tree)
        {
            if (key.StartsWith("f:", StringComparison.Ordinal) && value is JsonObject child)
            {
                hasChildren = true;
                ReadFields(child, path.Length == 0 ? key[2..] : path + Separator + key[2..], fields);
            }
        }
        // A map without field children, or with list-item keys (k:, v:, i:), is owned as a whole.
        if (!hasChildren && path.Length > 0)
        {
            fields.Add(path);
        }
    }

    // Entries of other operations (written by clients) are kept as they are.
    private static void WriteManagedFields(JsonObject obj, List<Entry> entries)
    {
        var managed = new JsonArray();
        if (obj["metadata"]?["managedFields"] is JsonArray existing)
        {
            foreach (JsonObject other in existing.OfType<JsonObject>().Where(e => e.GetString("operation") != "Apply"))
            {
                managed.Add(other.DeepClone());
            }
        }
        foreach (Entry entry in entries)
        {
            var tree = new JsonObject();
            foreach (string field in entry.Fields.Order(StringComparer.Ordinal))
            {
                JsonObject node = tree;
                foreach (string step in field.Split(Separator))
                {
                    node = node.GetOrAddObject("f:" + step);
                }
            }
            var json = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = "Apply",
                ["apiVersion"] = entry.ApiVersion,
                ["time"] = entry.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = tree,
            };
            if (entry.Subresource is not null)
            {
                json["subresource"] = entry.Subresource;
            }
            managed.Add(json);
        }
        ObjectMeta.Metadata(obj)["managedFields"] = managed;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// CustomResourceDefinition objects (apiextensions.k8s.io/v1): checks what serving one needs,
/// defaults its names, keeps its status (Established, acceptedNames, storedVersions), and turns
/// it into the resource types it serves, one per served version.
/// </summary>
internal sealed class CustomResourceDefinitions(ResourceRegistry registry) : IAdmissionPlugin
{
    public void Admit(AdmissionRequest request)
    {
        if (request.Type != BuiltinResources.CustomResourceDefinitions)
        {
            return;
        }
        JsonObject crd = request.Object;
        string name = ObjectMeta.Name(crd);
        JsonObject spec = crd["spec"] as JsonObject ?? throw StatusErrors.Invalid(request.Type, name, FieldError.Required("spec", ""));
        JsonObject names = spec["names"] as JsonObject ?? new JsonObject();
        string group = spec.GetString("group") ?? "";
        string plural = names.GetString("plural") ?? "";
        string kind = names.GetString("kind") ?? "";
        var errors = new List<FieldError>();
        if (group.Length == 0)
        {
            errors.Add(FieldError.Required("spec.group", ""));
        }
        else if (!group.Contains('.'))
        {
            errors.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        }
        if (plural.Length == 0)
        {
            errors.Add(FieldError.Required("spec.names.plural", ""));
        }
        if (kind.Length == 0)
        {
            errors.Add(FieldError.Required("spec.names.kind", ""));
        }
        if (group.Length > 0 && plural.Length > 0 && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        string scope = spec.GetString("scope") ?? "";
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(scope.Length == 0 ? FieldError.Required("spec.scope", "") : FieldError.Invalid("spec.scope", scope, "must be 'Cluster' or 'Namespaced'"));
        }
        var versions = (spec["versions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (versions.Count == 0)
        {
            errors.Add(FieldError.Invalid("spec.versions", "null", "must have exactly one version marked as storage version"));
        }
        else if (versions.Count(v => v["storage"]?.GetValueKind() == JsonValueKind.True) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", "", "must have exactly one version marked as storage version"));
        }
        for (int i = 0; i < versions.Count; i++)
        {
            if (versions[i].GetString("name") is not { Length: > 0 })
            {
                errors.Add(FieldError.Required($"spec.versions[{i}].name", ""));
            }
            foreach (var (column, j) in ((versions[i]["additionalPrinterColumns"] as JsonArray)?.OfType<JsonObject>() ?? []).Select((c, j) => (c, j)))
            {
                if (column.GetString("jsonPath") is not { } path || !SimpleJsonPath.IsValid(path))
                {
                    errors.Add(FieldError.Invalid($"spec.versions[{i}].additionalPrinterColumns[{j}].jsonPath", column.GetString("jsonPath") ?? "",
                        "must be a simple JSON path such as .spec.field or .status.items[0].name"));
                }
            }
        }
        if (group.Length > 0 && plural.Length > 0 && registry.OwnerOf(group, plural) is { } owner && owner != name)
        {
            errors.Add(FieldError.Invalid("spec.names.plural", plural, $"{plural}.{group} is already served"));
        }
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid(request.Type, name, errors);
        }

        names["singular"] ??= kind.ToLowerInvariant();
        names["listKind"] ??= kind + "List";
        SetStatus(crd, names, versions, request.Old);
    }

    /// <summary>Starts (or updates) serving a stored CRD's kinds.</summary>
    public void Serve(JsonElement crd) => registry.Set(ObjectMeta.Name(crd), TypesOf(crd));

    public void StopServing(string crdName) => registry.Remove(crdName);

    public static IReadOnlyList<ResourceType> TypesOf(JsonElement crd)
    {
        JsonElement spec = crd.GetProperty("spec");
        JsonElement names = spec.GetProperty("names");
        string kind = names.GetString("kind")!;
        var types = new List<ResourceType>();
        foreach (JsonElement version in spec.GetProperty("versions").EnumerateArray())
        {
            if (version.GetChild("served")?.ValueKind == JsonValueKind.False)
            {
                continue;
            }
            var columns = new List<PrinterColumn>();
            if (version.GetChild("additionalPrinterColumns") is { ValueKind: JsonValueKind.Array } printerColumns)
            {
                foreach (JsonElement column in printerColumns.EnumerateArray())
                {
                    columns.Add(PrinterColumns.FromJsonPath(
                        column.GetString("name") ?? "",
                        column.GetString("type") ?? "string",
                        column.GetString("format") ?? "",
                        column.GetString("description") ?? "",
                        column.GetChild("priority") is { ValueKind: JsonValueKind.Number } priority ? priority.GetInt32() : 0,
                        column.GetString("jsonPath")!));
                }
            }
            else
            {
                // Without additionalPrinterColumns Kubernetes shows Name and Age.
                columns.Add(PrinterColumns.Age);
            }
            types.Add(new ResourceType
            {
                Group = spec.GetString("group")!,
                Version = version.GetString("name")!,
                Kind = kind,
                ListKind = names.GetString("listKind") ?? kind + "List",
                Plural = names.GetString("plural")!,
                Singular = names.GetString("singular") ?? kind.ToLowerInvariant(),
                ShortNames = Strings(names.GetChild("shortNames")),
                Categories = Strings(names.GetChild("categories")),
                Namespaced = spec.GetString("scope") == "Namespaced",
                HasStatus = version.GetChild("subresources")?.GetChild("status") is not null,
                IsCustom = true,
                Schema = version.GetChild("schema")?.GetChild("openAPIV3Schema"),
                ReturnsDeletedObject = true,
                Columns = columns,
            });
        }
        return types;
    }

    private static IReadOnlyList<string> Strings(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } items ? [.. items.EnumerateArray().Select(Json.ScalarText)] : [];

    // The conditions keep their transition times across updates, so an unchanged CRD stays unchanged.
    private static void SetStatus(JsonObject crd, JsonObject names, List<JsonObject> versions, JsonElement? old)
    {
        string now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        JsonElement? oldStatus = old?.GetChild("status");
        string TransitionTime(string type) =>
            oldStatus?.GetChild("conditions") is { ValueKind: JsonValueKind.Array } conditions
                ? conditions.EnumerateArray().FirstOrDefault(c => c.GetString("type") == type).GetString("lastTransitionTime") ?? now
                : now;
        var stored = new List<string>();
        if (oldStatus?.GetChild("storedVersions") is { ValueKind: JsonValueKind.Array } previous)
        {
            stored.AddRange(previous.EnumerateArray().Select(Json.ScalarText));
        }
        string? storage = versions.FirstOrDefault(v => v["storage"]?.GetValueKind() == JsonValueKind.True)?.GetString("name");
        if (storage is not null && !stored.Contains(storage))
        {
            stored.Add(storage);
        }
        crd["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", TransitionTime("NamesAccepted")),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", TransitionTime("Established"))),
            ["acceptedNames"] = names.DeepClone(),
            ["storedVersions"] = new JsonArray([.. stored.Select(v => (JsonNode)JsonValue.Create(v))]),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string time) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = time,
        ["reason"] = reason,
        ["message"] = message,
    };
}

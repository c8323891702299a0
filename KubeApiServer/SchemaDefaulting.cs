using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Fills in the <c>default</c>s of a structural schema, as the API server does to a custom resource
/// on every write: a missing property (or a null one that is not <c>nullable</c>) gets its default,
/// a null one without a default is dropped, then defaulting goes on inside every property,
/// defaulted ones included, so the nested defaults of an object defaulted to <c>{}</c> apply too.
/// </summary>
internal static class SchemaDefaulting
{
    public static void Apply(JsonNode? node, JsonElement schema)
    {
        switch (node)
        {
            case JsonObject obj:
                JsonElement? properties = schema.GetChild("properties");
                JsonElement? additional = schema.GetChild("additionalProperties");
                if (properties is { ValueKind: JsonValueKind.Object } declared)
                {
                    foreach (JsonProperty property in declared.EnumerateObject())
                    {
                        if (property.Value.GetChild("default") is { } value && (!obj.TryGetPropertyValue(property.Name, out JsonNode? current) || IsNonNullableNull(current, property.Value)))
                        {
                            obj[property.Name] = JsonNode.Parse(value.GetRawText());
                        }
                    }
                }
                foreach (var (key, child) in obj.ToList())
                {
                    JsonElement? childSchema = properties is { ValueKind: JsonValueKind.Object } known && known.TryGetProperty(key, out JsonElement propertySchema) ? propertySchema
                        : additional is { ValueKind: JsonValueKind.Object } valueSchema ? valueSchema
                        : null;
                    if (childSchema is not { } fieldSchema)
                    {
                        continue;
                    }
                    if (IsNonNullableNull(child, fieldSchema))
                    {
                        // A null that may not be null takes the default, or goes (the server prunes it before validating).
                        if (fieldSchema.GetChild("default") is { } value)
                        {
                            obj[key] = JsonNode.Parse(value.GetRawText());
                        }
                        else
                        {
                            obj.Remove(key);
                        }
                    }
                    Apply(obj[key], fieldSchema);
                }
                break;
            case JsonArray array when schema.GetChild("items") is { ValueKind: JsonValueKind.Object } items:
                for (int i = 0; i < array.Count; i++)
                {
                    if (DefaultFor(array[i], items) is { } defaulted)
                    {
                        array[i] = defaulted;
                    }
                    Apply(array[i], items);
                }
                break;
        }
    }

    // A null map value or list item that may not be null takes the default of its schema, when there is one.
    private static JsonNode? DefaultFor(JsonNode? node, JsonElement schema) =>
        IsNonNullableNull(node, schema) && schema.GetChild("default") is { } value ? JsonNode.Parse(value.GetRawText()) : null;

    private static bool IsNonNullableNull(JsonNode? node, JsonElement schema) => node is null && !SchemaPruning.Flag(schema, "nullable");
}

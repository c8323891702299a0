using System.Text.Json;

namespace Mnemo.Kubernetes;

/// <summary>Optional fields of a resource read as JSON: absent or of another kind reads as null.</summary>
internal static class JsonFields
{
    public static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement child) ? child : default;

    public static string? Text(JsonElement parent, string name) => Child(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static double? Number(JsonElement parent, string name) => Child(parent, name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;
}

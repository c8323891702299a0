using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Conversions between the two JSON forms the server uses: stored objects are immutable
/// <see cref="JsonElement"/>s (safe to read from any thread), objects being changed are private
/// <see cref="JsonNode"/> copies.
/// </summary>
internal static class Json
{
    // Answers are JSON for API clients, never embedded in HTML: no need to escape '<', '+' or non-ASCII text.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] ToBytes(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToBytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static JsonElement Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        return document.RootElement.Clone();
    }

    public static JsonElement ToElement(JsonNode node) => Parse(ToBytes(node));

    /// <summary>A mutable copy of a stored object.</summary>
    public static JsonObject ToObject(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? JsonObject.Create(element)! : throw new ArgumentException("not a JSON object", nameof(element));

    public static string? GetString(this JsonObject obj, string property) =>
        obj[property] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    public static JsonObject GetOrAddObject(this JsonObject obj, string property)
    {
        if (obj[property] is JsonObject existing)
        {
            return existing;
        }
        var created = new JsonObject();
        obj[property] = created;
        return created;
    }

    public static string? GetString(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static JsonElement? GetChild(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value) ? value : null;

    /// <summary>A scalar as the text a selector or a table compares and shows: strings unquoted, other values as JSON.</summary>
    public static string ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };
}

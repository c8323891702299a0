using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>Reads and writes the <c>metadata</c> fields every Kubernetes object shares.</summary>
internal static class ObjectMeta
{
    public static JsonElement? Metadata(JsonElement obj) => obj.GetChild("metadata");

    public static string Name(JsonElement obj) => Metadata(obj)?.GetString("name") ?? "";

    public static string Namespace(JsonElement obj) => Metadata(obj)?.GetString("namespace") ?? "";

    public static string ResourceVersion(JsonElement obj) => Metadata(obj)?.GetString("resourceVersion") ?? "";

    public static string Uid(JsonElement obj) => Metadata(obj)?.GetString("uid") ?? "";

    public static JsonElement? Labels(JsonElement obj) => Metadata(obj)?.GetChild("labels");

    public static bool IsTerminating(JsonElement obj) => Metadata(obj)?.GetString("deletionTimestamp") is { Length: > 0 };

    public static bool HasFinalizers(JsonElement obj) =>
        Metadata(obj)?.GetChild("finalizers") is { ValueKind: JsonValueKind.Array } finalizers && finalizers.GetArrayLength() > 0;

    public static JsonObject Metadata(JsonObject obj) => obj.GetOrAddObject("metadata");

    public static string Name(JsonObject obj) => (obj["metadata"] as JsonObject)?.GetString("name") ?? "";

    public static bool HasFinalizers(JsonObject obj) => obj["metadata"]?["finalizers"] is JsonArray { Count: > 0 };

    public static bool IsTerminating(JsonObject obj) => (obj["metadata"] as JsonObject)?.GetString("deletionTimestamp") is { Length: > 0 };

    /// <summary>Kubernetes timestamps: RFC 3339 in UTC, whole seconds.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time
            : null;
}

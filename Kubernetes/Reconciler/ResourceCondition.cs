using System.Globalization;
using System.Text.Json;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>A <c>metav1.Condition</c>: <see cref="Status"/> is <c>True</c>, <c>False</c> or <c>Unknown</c>;
/// <see cref="LastTransitionTime"/> is when <see cref="Status"/> last changed.</summary>
public sealed record ResourceCondition(string Type, string Status, string Reason, string Message, long ObservedGeneration, DateTimeOffset LastTransitionTime)
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    /// <summary>The JSON shape of the Kubernetes API (RFC 3339 time in whole seconds, UTC).</summary>
    public Dictionary<string, object> ToJson() => new()
    {
        ["type"] = Type,
        ["status"] = Status,
        ["reason"] = Reason,
        ["message"] = Message,
        ["observedGeneration"] = ObservedGeneration,
        ["lastTransitionTime"] = LastTransitionTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    /// <summary>The conditions under <c>status.conditions</c> of <paramref name="resource"/>; malformed entries are skipped.</summary>
    public static IReadOnlyList<ResourceCondition> ReadAll(JsonElement resource)
    {
        if (!resource.TryGetProperty("status", out JsonElement status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("conditions", out JsonElement conditions) || conditions.ValueKind != JsonValueKind.Array)
            return [];
        var result = new List<ResourceCondition>();
        foreach (JsonElement item in conditions.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || Text(item, "type") is not { Length: > 0 } type || Text(item, "status") is not { } conditionStatus)
                continue;
            DateTimeOffset transition = Text(item, "lastTransitionTime") is { } time
                && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed) ? parsed : DateTimeOffset.MinValue;
            long generation = item.TryGetProperty("observedGeneration", out JsonElement g) && g.TryGetInt64(out long n) ? n : 0;
            result.Add(new ResourceCondition(type, conditionStatus, Text(item, "reason") ?? "", Text(item, "message") ?? "", generation, transition));
        }
        return result;
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

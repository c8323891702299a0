using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>The kinds of table column: a CRD's additionalPrinterColumns (a JSONPath and a type) and computed ones.</summary>
internal static class PrinterColumns
{
    public static PrinterColumn Age { get; } = new(
        "Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
        obj => CreationAge(obj));

    public static string CreationAge(JsonElement obj) => HumanDuration.Since(ObjectMeta.Metadata(obj)?.GetString("creationTimestamp"));

    /// <summary>A column read at <paramref name="jsonPath"/>; <c>date</c> values are shown as ages, a missing value as an empty cell.</summary>
    public static PrinterColumn FromJsonPath(string name, string type, string format, string description, int priority, string jsonPath) =>
        new(name, type, format, description, priority, obj => SimpleJsonPath.Evaluate(obj, jsonPath) is { } value ? Cell(value, type) : null);

    /// <summary>A string column computed from the object.</summary>
    public static PrinterColumn Computed(string name, string description, Func<JsonElement, string> cell, int priority = 0) =>
        new(name, "string", "", description, priority, obj => JsonValue.Create(cell(obj)));

    /// <summary>A string column read at <paramref name="jsonPath"/>, <paramref name="missing"/> when absent.</summary>
    public static PrinterColumn Text(string name, string jsonPath, string description, string missing = "", int priority = 0) =>
        Computed(name, description, obj => SimpleJsonPath.Evaluate(obj, jsonPath) is { } value ? Json.ScalarText(value) : missing, priority);

    private static JsonNode? Cell(JsonElement value, string type) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String when type == "date" => JsonValue.Create(HumanDuration.Since(value.GetString())),
        JsonValueKind.Object or JsonValueKind.Array => JsonValue.Create(value.GetRawText()),
        _ => JsonNode.Parse(value.GetRawText()),
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>What a Table row carries besides its cells (the <c>includeObject</c> parameter).</summary>
internal enum IncludeObject { None, Metadata, Object }

/// <summary>
/// The <c>meta.k8s.io/v1</c> Table that <c>kubectl get</c> asks for: a Name column and the kind's
/// printer columns, one row per object whose <c>object</c> is, by default, its
/// PartialObjectMetadata (kubectl reads the namespace and labels from it).
/// </summary>
internal static class TableRenderer
{
    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public static bool IsRequested(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static void Write(Utf8JsonWriter writer, ResourceType type, IEnumerable<JsonElement> objects, string? resourceVersion, IncludeObject include)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Table");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        writer.WriteStartObject("metadata");
        if (resourceVersion is not null)
        {
            writer.WriteString("resourceVersion", resourceVersion);
        }
        writer.WriteEndObject();
        writer.WriteStartArray("columnDefinitions");
        WriteColumn(writer, "Name", "string", "name", NameDescription, 0);
        foreach (PrinterColumn column in type.Columns)
        {
            WriteColumn(writer, column.Name, column.Type, column.Format, column.Description, column.Priority);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("rows");
        foreach (JsonElement obj in objects)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("cells");
            writer.WriteStringValue(ObjectMeta.Name(obj));
            foreach (PrinterColumn column in type.Columns)
            {
                JsonNode? cell = column.Cell(obj);
                if (cell is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    cell.WriteTo(writer);
                }
            }
            writer.WriteEndArray();
            switch (include)
            {
                case IncludeObject.Object:
                    writer.WritePropertyName("object");
                    obj.WriteTo(writer);
                    break;
                case IncludeObject.Metadata:
                    writer.WriteStartObject("object");
                    writer.WriteString("kind", "PartialObjectMetadata");
                    writer.WriteString("apiVersion", "meta.k8s.io/v1");
                    writer.WritePropertyName("metadata");
                    if (ObjectMeta.Metadata(obj) is { } metadata)
                    {
                        metadata.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteStartObject();
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                    break;
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteColumn(Utf8JsonWriter writer, string name, string type, string format, string description, int priority)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("type", type);
        writer.WriteString("format", format);
        writer.WriteString("description", description);
        writer.WriteNumber("priority", priority);
        writer.WriteEndObject();
    }
}

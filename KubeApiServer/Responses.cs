using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mnemo.KubeApiServer;

/// <summary>Writes JSON answers: objects (in the version asked for), lists, tables and Status errors.</summary>
internal static class Responses
{
    public const string JsonContentType = "application/json";

    public static Task WriteAsync(HttpContext context, int statusCode, byte[] body, string contentType = JsonContentType)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task WriteAsync(HttpContext context, int statusCode, JsonNode body) => WriteAsync(context, statusCode, Json.ToBytes(body));

    public static Task WriteAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write) => WriteAsync(context, statusCode, Json.ToBytes(write));

    public static Task WriteStatusAsync(HttpContext context, KubeApiException error) => WriteAsync(context, error.Code, error.ToStatus());

    /// <summary>Writes a stored object as the version of the request: objects of a multi-version kind are stored once and not converted.</summary>
    public static void WriteObject(Utf8JsonWriter writer, ResourceType type, JsonElement obj)
    {
        if (obj.GetString("apiVersion") == type.GroupVersion)
        {
            obj.WriteTo(writer);
            return;
        }
        JsonObject copy = Json.ToObject(obj);
        copy["apiVersion"] = type.GroupVersion;
        copy.WriteTo(writer);
    }

    public static void WriteList(Utf8JsonWriter writer, ResourceType type, IEnumerable<JsonElement> items, string resourceVersion)
    {
        writer.WriteStartObject();
        writer.WriteString("apiVersion", type.GroupVersion);
        writer.WriteString("kind", type.ListKind);
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", resourceVersion);
        writer.WriteEndObject();
        writer.WriteStartArray("items");
        foreach (JsonElement item in items)
        {
            WriteObject(writer, type, item);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

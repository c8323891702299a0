using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using YamlDotNet.Core;

namespace Mnemo.KubeApiServer;

/// <summary>Reads request bodies: JSON, YAML for YAML media types (server-side apply), Kubernetes protobuf for what kubectl create sends; malformed input is a 400.</summary>
internal static class RequestBody
{
    /// <summary>The real API server's limit on request bodies.</summary>
    public const long MaxBytes = 3 * 1024 * 1024;

    public static async Task<JsonNode> ReadAsync(HttpContext context)
    {
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw StatusErrors.TooLarge();
        }
        if (body.Length == 0)
        {
            throw StatusErrors.BadRequest("the request has no body");
        }
        return Parse(body, context.Request.ContentType);
    }

    public static JsonNode Parse(byte[] body, string? contentType)
    {
        if (contentType?.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase) == true)
        {
            return KubernetesProtobuf.Decode(body, contentType);
        }
        bool yaml = contentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true;
        // JSON is YAML too: server-side apply bodies are usually JSON, parsed as such.
        if (!yaml || LooksLikeJson(body))
        {
            try
            {
                return JsonNode.Parse(body) ?? throw StatusErrors.BadRequest("the request body is null");
            }
            catch (JsonException e) when (!yaml)
            {
                throw StatusErrors.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
            }
            catch (JsonException)
            {
                // Not JSON after all: try it as YAML.
            }
        }
        try
        {
            List<JsonNode> documents = YamlToJson.Documents(Encoding.UTF8.GetString(body));
            return documents.Count == 1 ? documents[0] : throw StatusErrors.BadRequest($"the request body must hold one YAML document, not {documents.Count}");
        }
        catch (YamlException e)
        {
            throw StatusErrors.BadRequest($"error converting YAML to JSON: {e.Message}");
        }
    }

    private static bool LooksLikeJson(byte[] body)
    {
        foreach (byte b in body)
        {
            if (!char.IsWhiteSpace((char)b))
            {
                return b is (byte)'{' or (byte)'[';
            }
        }
        return false;
    }
}

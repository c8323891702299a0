using System.Globalization;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>JSON patch (RFC 6902, <c>application/json-patch+json</c>): add, remove, replace, move, copy and test, with JSON pointers (RFC 6901).</summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations to <paramref name="target"/> in place; a failing operation throws 422 and nothing is stored.</summary>
    public static void Apply(JsonObject target, JsonArray operations)
    {
        foreach (JsonNode? node in operations)
        {
            if (node is not JsonObject operation || operation.GetString("op") is not { } op || operation.GetString("path") is not { } path)
            {
                throw StatusErrors.BadRequest("json patch operations need \"op\" and \"path\"");
            }
            switch (op)
            {
                case "add":
                    Add(target, path, Value(operation));
                    break;
                case "remove":
                    Remove(target, path);
                    break;
                case "replace":
                    Remove(target, path);
                    Add(target, path, Value(operation));
                    break;
                case "move":
                    JsonNode? moved = Get(target, From(operation))?.DeepClone();
                    Remove(target, From(operation));
                    Add(target, path, moved);
                    break;
                case "copy":
                    Add(target, path, Get(target, From(operation))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(target, path), operation["value"]))
                    {
                        throw StatusErrors.Unprocessable($"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default:
                    throw StatusErrors.BadRequest($"unexpected json patch operation \"{op}\"");
            }
        }
    }

    private static JsonNode? Value(JsonObject operation) =>
        operation.ContainsKey("value") ? operation["value"]?.DeepClone() : throw StatusErrors.BadRequest("json patch operation has no \"value\"");

    private static string From(JsonObject operation) =>
        operation.GetString("from") ?? throw StatusErrors.BadRequest("json patch operation has no \"from\"");

    private static JsonNode? Get(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (string token in Tokens(path))
        {
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out JsonNode? child) => child,
                JsonArray array when Index(token, array.Count, allowEnd: false) is int index => array[index],
                _ => throw Missing(path),
            };
        }
        return current;
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                int index = Index(last, array.Count, allowEnd: true) ?? throw Missing(path);
                array.Insert(index, value);
                break;
            default:
                throw Missing(path);
        }
    }

    private static void Remove(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when Index(last, array.Count, allowEnd: false) is int index:
                array.RemoveAt(index);
                break;
            default:
                throw Missing(path);
        }
    }

    private static (JsonNode? Parent, string Last) Parent(JsonObject root, string path)
    {
        List<string> tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            throw StatusErrors.Unprocessable("json patch cannot replace the whole object");
        }
        string parentPath = string.Concat(tokens.Take(tokens.Count - 1).Select(t => "/" + t.Replace("~", "~0").Replace("/", "~1")));
        return (Get(root, parentPath), tokens[^1]);
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }
        if (path[0] != '/')
        {
            throw StatusErrors.BadRequest($"json patch path \"{path}\" must start with '/'");
        }
        return [.. path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~"))];
    }

    private static int? Index(string token, int count, bool allowEnd)
    {
        if (allowEnd && token == "-")
        {
            return count;
        }
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && (index < count || (allowEnd && index == count)) ? index : null;
    }

    private static KubeApiException Missing(string path) =>
        StatusErrors.Unprocessable($"the server rejected our request due to an error in our request: path {path} does not exist");
}

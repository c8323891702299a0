using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>A failed request, carried to the HTTP layer and answered as a Kubernetes <c>Status</c>.</summary>
internal sealed class KubeApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject ToStatus() => StatusErrors.Status("Failure", Code, Reason, Message, details?.DeepClone());
}

/// <summary>
/// One field's problem in an Invalid (422) answer, worded as k8s.io/apimachinery's field.Error:
/// <see cref="Problem"/> is its type ("Invalid value"), <see cref="ShownValue"/> the bad value as Go
/// prints it (strings quoted, numbers and booleans bare; null when the type shows no value).
/// </summary>
internal readonly record struct FieldError(string Field, string Problem, string Detail, string? ShownValue, string Reason)
{
    public static FieldError Required(string field, string detail) => new(field, "Required value", detail, null, "FieldValueRequired");

    public static FieldError Invalid(string field, string value, string detail) => new(field, "Invalid value", detail, Quote(value), "FieldValueInvalid");

    /// <summary>An Invalid value whose value is any JSON value (a number shows as <c>0</c>, a string as <c>"a"</c>).</summary>
    public static FieldError Invalid(string field, JsonNode? value, string detail) => new(field, "Invalid value", detail, Show(value), "FieldValueInvalid");

    /// <summary>A value of the wrong JSON type; Kubernetes shows the type the value has.</summary>
    public static FieldError TypeInvalid(string field, string actualType, string detail) => new(field, "Invalid value", detail, Quote(actualType), "FieldValueTypeInvalid");

    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> supported) =>
        new(field, "Unsupported value", "supported values: " + string.Join(", ", supported.Select(Quote)), Show(value), "FieldValueNotSupported");

    public static FieldError TooLong(string field, long maxLength) =>
        new(field, "Too long", $"may not be more than {maxLength} {(maxLength == 1 ? "byte" : "bytes")}", null, "FieldValueTooLong");

    public static FieldError TooMany(string field, int actual, long maxItems) =>
        new(field, "Too many", $"must have at most {maxItems} items", actual.ToString(System.Globalization.CultureInfo.InvariantCulture), "FieldValueTooMany");

    public string Message
    {
        get
        {
            string body = ShownValue is null ? Problem : $"{Problem}: {ShownValue}";
            return Detail.Length == 0 ? body : $"{body}: {Detail}";
        }
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text, QuoteOptions);

    private static string Show(JsonNode? value) => value switch
    {
        null => "\"null\"",
        JsonValue scalar when scalar.TryGetValue(out string? text) => Quote(text),
        _ => value.ToJsonString(),
    };

    // Go's %q leaves non-ASCII text and '<', '>' and '&' as they are.
    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>
/// The errors of the API server, worded and shaped like Kubernetes' own (k8s.io/apimachinery/pkg/api/errors)
/// so that kubectl prints its usual messages and clients can branch on reason and code.
/// </summary>
internal static class StatusErrors
{
    public const string ObjectModified = "the object has been modified; please apply your changes to the latest version and try again";

    public static KubeApiException NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{Qualified(group, plural)} \"{name}\" not found", Details(name, group, plural));

    public static KubeApiException NotFound(ResourceType type, string name) => NotFound(type.Group, type.Plural, name);

    public static KubeApiException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    public static KubeApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{Qualified(type.Group, type.Plural)} \"{name}\" already exists", Details(name, type.Group, type.Plural));

    public static KubeApiException Conflict(ResourceType type, string name, string why, JsonArray? causes = null)
    {
        JsonObject details = Details(name, type.Group, type.Plural);
        if (causes is not null)
        {
            details["causes"] = causes;
        }
        return new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(type.Group, type.Plural)} \"{name}\": {why}", details);
    }

    public static KubeApiException Invalid(ResourceType type, string name, params IReadOnlyList<FieldError> errors)
    {
        string kind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        string what = errors.Count == 1
            ? $"{errors[0].Field}: {errors[0].Message}"
            : "[" + string.Join(", ", errors.Select(e => $"{e.Field}: {e.Message}")) + "]";
        JsonObject details = Details(name, type.Group, type.Kind);
        details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.Reason,
            ["message"] = e.Message,
            ["field"] = e.Field,
        }).ToArray());
        return new(422, "Invalid", $"{kind} \"{name}\" is invalid: {what}", details);
    }

    public static KubeApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{Qualified(type.Group, type.Plural)} \"{name}\" is forbidden: {why}", Details(name, type.Group, type.Plural));

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeApiException MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    /// <summary>A watch from a resourceVersion older than the history; clients relist (client-go checks code 410).</summary>
    public static KubeApiException Expired(string message) => new(410, "Expired", message);

    public static KubeApiException UnsupportedMediaType(string contentType, string accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format ({contentType}) - accepted media types include: {accepted}");

    public static KubeApiException TooLarge() => new(413, "RequestEntityTooLarge", "the request is too large");

    public static KubeApiException Unprocessable(string message) => new(422, "Invalid", message);

    /// <summary>What built-in kinds answer to a delete that removed the object (only custom kinds return the object).</summary>
    public static JsonObject Deleted(ResourceType type, JsonElement obj)
    {
        JsonObject details = Details(ObjectMeta.Name(obj), type.Group, type.Plural);
        details["uid"] = ObjectMeta.Uid(obj);
        return Status("Success", null, null, null, details);
    }

    public static JsonObject Status(string status, int? code, string? reason, string? message, JsonNode? details)
    {
        var result = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = status };
        if (message is not null)
        {
            result["message"] = message;
        }
        if (reason is not null)
        {
            result["reason"] = reason;
        }
        if (details is not null)
        {
            result["details"] = details;
        }
        if (code is not null)
        {
            result["code"] = code;
        }
        return result;
    }

    private static string Qualified(string group, string plural) => group.Length == 0 ? plural : $"{plural}.{group}";

    // Kubernetes puts the resource (plural) into details.kind for these errors.
    private static JsonObject Details(string name, string group, string kind)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }
        details["kind"] = kind;
        return details;
    }
}

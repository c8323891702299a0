using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The HTTP surface: version, health and OpenAPI endpoints, discovery, and the verbs of every
/// resource (list, watch, get, create, replace, patch, delete, deletecollection), each answered
/// in JSON with errors as <c>Status</c> objects.
/// </summary>
internal sealed class Endpoints(ResourceRegistry registry, ResourceStore resources, ILogger logger, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await DispatchAsync(context);
        }
        catch (KubeApiException e) when (!context.Response.HasStarted)
        {
            await Responses.WriteStatusAsync(context, e);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // The client went away, or the server is stopping and closes its watches: there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await Responses.WriteStatusAsync(context, new KubeApiException(500, "InternalError", $"Internal error occurred: {e.Message}"));
        }
        logger.LogDebug("{Method} {Path}{Query} {Status}", context.Request.Method, context.Request.Path, context.Request.QueryString, context.Response.StatusCode);
    }

    private Task DispatchAsync(HttpContext context)
    {
        string path = context.Request.Path.Value is { Length: > 1 } p ? p.TrimEnd('/') : "/";
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["version"]:
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, Discovery.Version());
            case ["healthz" or "readyz" or "livez", ..]:
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, "ok"u8.ToArray(), "text/plain; charset=utf-8");
            case ["openapi", "v2"]:
                // An empty protobuf document: enough for kubectl's client-side validation, which then knows no schemas.
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, [], "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
            case ["api"]:
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, Discovery.ApiVersions(context.Request.Host.Value ?? ""));
            case ["apis"]:
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, Discovery.GroupList(registry));
            case ["apis", string group]:
                RequireGet(context);
                return Responses.WriteAsync(context, StatusCodes.Status200OK, Discovery.Group(registry, group) ?? throw StatusErrors.PathNotFound());
            case ["api", string version, ..]:
                return ServeGroupVersionAsync(context, "", version, segments.AsSpan(2));
            case ["apis", string group, string version, ..]:
                return ServeGroupVersionAsync(context, group, version, segments.AsSpan(3));
            default:
                throw StatusErrors.PathNotFound();
        }
    }

    private Task ServeGroupVersionAsync(HttpContext context, string group, string version, ReadOnlySpan<string> rest)
    {
        if (rest.Length == 0)
        {
            RequireGet(context);
            return Responses.WriteAsync(context, StatusCodes.Status200OK, Discovery.ResourceList(registry, group, version) ?? throw StatusErrors.PathNotFound());
        }
        RequestInfo request = RequestInfo.Parse(registry, group, version, rest) ?? throw StatusErrors.PathNotFound();
        string method = context.Request.Method;
        if (request.Name is null)
        {
            // Across all namespaces a namespaced kind can only be read.
            if (request.Type.Namespaced && request.Namespace is null && !HttpMethods.IsGet(method))
            {
                throw StatusErrors.MethodNotAllowed();
            }
            return method switch
            {
                _ when HttpMethods.IsGet(method) && IsWatch(context) => WatchStream.ServeAsync(context, resources, request, Filter(context, request), Include(context), stopping),
                _ when HttpMethods.IsGet(method) => ListAsync(context, request),
                _ when HttpMethods.IsPost(method) => CreateAsync(context, request),
                _ when HttpMethods.IsDelete(method) => DeleteCollectionAsync(context, request),
                _ => throw StatusErrors.MethodNotAllowed(),
            };
        }
        return method switch
        {
            _ when HttpMethods.IsGet(method) && IsWatch(context) => WatchStream.ServeAsync(context, resources, request, NameFilter(context, request), Include(context), stopping),
            _ when HttpMethods.IsGet(method) => GetAsync(context, request),
            _ when HttpMethods.IsPut(method) => ReplaceAsync(context, request),
            _ when HttpMethods.IsPatch(method) => PatchAsync(context, request),
            _ when HttpMethods.IsDelete(method) && request.Subresource is null => DeleteAsync(context, request),
            _ => throw StatusErrors.MethodNotAllowed(),
        };
    }

    private Task ListAsync(HttpContext context, RequestInfo request)
    {
        var (items, revision) = resources.List(request.Type, Filter(context, request));
        string resourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TableRenderer.IsRequested(context.Request.Headers.Accept)
            ? Responses.WriteAsync(context, StatusCodes.Status200OK, writer => TableRenderer.Write(writer, request.Type, items, resourceVersion, Include(context)))
            : Responses.WriteAsync(context, StatusCodes.Status200OK, writer => Responses.WriteList(writer, request.Type, items, resourceVersion));
    }

    private Task GetAsync(HttpContext context, RequestInfo request)
    {
        JsonElement obj = resources.Get(request.Type, request.StorageNamespace, request.Name!);
        return TableRenderer.IsRequested(context.Request.Headers.Accept)
            ? Responses.WriteAsync(context, StatusCodes.Status200OK, writer => TableRenderer.Write(writer, request.Type, [obj], ObjectMeta.ResourceVersion(obj), Include(context)))
            : WriteObjectAsync(context, StatusCodes.Status200OK, request.Type, obj);
    }

    private async Task CreateAsync(HttpContext context, RequestInfo request)
    {
        JsonObject body = await ReadObjectAsync(context);
        JsonElement created = resources.Create(request.Type, request.StorageNamespace, body, WriteOptions(context));
        await WriteObjectAsync(context, StatusCodes.Status201Created, request.Type, created);
    }

    private async Task ReplaceAsync(HttpContext context, RequestInfo request)
    {
        JsonObject body = await ReadObjectAsync(context);
        JsonElement replaced = resources.Replace(request.Type, request.StorageNamespace, request.Name!, request.Subresource, body, WriteOptions(context));
        await WriteObjectAsync(context, StatusCodes.Status200OK, request.Type, replaced);
    }

    private async Task PatchAsync(HttpContext context, RequestInfo request)
    {
        string mediaType = (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        const string accepted = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
        PatchType patchType = mediaType switch
        {
            "application/merge-patch+json" => PatchType.Merge,
            "application/json-patch+json" => PatchType.Json,
            "application/apply-patch+yaml" => PatchType.Apply,
            // Custom resources have no Go types to carry patch strategies, so Kubernetes refuses this for them too.
            "application/strategic-merge-patch+json" when !request.Type.IsCustom => PatchType.StrategicMerge,
            _ => throw StatusErrors.UnsupportedMediaType(mediaType, request.Type.IsCustom ? accepted : accepted + ", application/strategic-merge-patch+json"),
        };
        JsonNode patch = await RequestBody.ReadAsync(context);
        WriteResult result;
        try
        {
            result = resources.Patch(request.Type, request.StorageNamespace, request.Name!, request.Subresource, patchType, patch, WriteOptions(context));
        }
        catch (InvalidOperationException e)
        {
            // A patch whose values have the wrong JSON types for what they patch.
            throw StatusErrors.BadRequest($"the patch could not be applied: {e.Message}");
        }
        await WriteObjectAsync(context, result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK, request.Type, result.Object);
    }

    private async Task DeleteAsync(HttpContext context, RequestInfo request)
    {
        var (preconditions, options) = await DeleteOptionsAsync(context);
        DeleteResult result = resources.Delete(request.Type, request.StorageNamespace, request.Name!, preconditions, options);
        if (!result.Removed)
        {
            await WriteObjectAsync(context, StatusCodes.Status202Accepted, request.Type, result.Object);
        }
        else if (request.Type.ReturnsDeletedObject)
        {
            await WriteObjectAsync(context, StatusCodes.Status200OK, request.Type, result.Object);
        }
        else
        {
            await Responses.WriteAsync(context, StatusCodes.Status200OK, StatusErrors.Deleted(request.Type, result.Object));
        }
    }

    private async Task DeleteCollectionAsync(HttpContext context, RequestInfo request)
    {
        var (_, options) = await DeleteOptionsAsync(context);
        List<JsonElement> deleted = resources.DeleteCollection(request.Type, Filter(context, request), options);
        await Responses.WriteAsync(context, StatusCodes.Status200OK, writer => Responses.WriteList(writer, request.Type, deleted, ""));
    }

    private static Task WriteObjectAsync(HttpContext context, int statusCode, ResourceType type, JsonElement obj) =>
        Responses.WriteAsync(context, statusCode, writer => Responses.WriteObject(writer, type, obj));

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await RequestBody.ReadAsync(context) as JsonObject ?? throw StatusErrors.BadRequest("the request body must be a JSON object");

    /// <summary>A delete's body (DeleteOptions, optional) and query: preconditions and dry-run.</summary>
    private static async Task<(DeletePreconditions? Preconditions, WriteOptions Options)> DeleteOptionsAsync(HttpContext context)
    {
        WriteOptions options = WriteOptions(context);
        if (context.Request.ContentLength == 0 || (context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return (null, options);
        }
        JsonObject body = await ReadObjectAsync(context);
        if (body["dryRun"] is JsonArray dryRun && dryRun.Any(v => v?.GetValue<string>() == "All"))
        {
            options = options with { DryRun = true };
        }
        DeletePreconditions? preconditions = body["preconditions"] is JsonObject p
            ? new DeletePreconditions(p.GetString("uid"), p.GetString("resourceVersion"))
            : null;
        return (preconditions, options);
    }

    private static WriteOptions WriteOptions(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        bool dryRun = query["dryRun"] switch
        {
            { Count: 0 } => false,
            StringValues values when values.All(v => v == "All") => true,
            StringValues values => throw StatusErrors.BadRequest($"Invalid dryRun value: \"{values}\". Only \"All\" is supported"),
        };
        FieldValidation fieldValidation = query["fieldValidation"].FirstOrDefault() switch
        {
            null or "" or "Warn" => FieldValidation.Warn,
            "Ignore" => FieldValidation.Ignore,
            "Strict" => FieldValidation.Strict,
            string other => throw StatusErrors.BadRequest($"fieldValidation must be one of \"Ignore\", \"Warn\", \"Strict\", got \"{other}\""),
        };
        var options = new WriteOptions(dryRun, query["fieldManager"].FirstOrDefault(), string.Equals(query["force"], "true", StringComparison.OrdinalIgnoreCase), fieldValidation);
        // Warnings reach the client as Kubernetes sends them (kubectl prints "Warning: ..." for each).
        context.Response.OnStarting(() =>
        {
            foreach (string warning in options.Warnings)
            {
                context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
            }
            return Task.CompletedTask;
        });
        return options;
    }

    private static ObjectFilter Filter(HttpContext context, RequestInfo request) => new(
        request.Type.Namespaced ? request.Namespace : null,
        LabelSelector.Parse(context.Request.Query["labelSelector"]),
        FieldSelector.Parse(context.Request.Query["fieldSelector"]));

    // The older watch of one object by URL: the same as a field selector on its name.
    private static ObjectFilter NameFilter(HttpContext context, RequestInfo request) =>
        Filter(context, request) with { Fields = FieldSelector.Parse(JoinSelectors(context.Request.Query["fieldSelector"], $"metadata.name={request.Name}")) };

    private static string JoinSelectors(string? existing, string added) => string.IsNullOrEmpty(existing) ? added : $"{existing},{added}";

    private static bool IsWatch(HttpContext context) => context.Request.Query["watch"].FirstOrDefault() is "true" or "1" or "True";

    private static IncludeObject Include(HttpContext context) => context.Request.Query["includeObject"].FirstOrDefault() switch
    {
        "None" => IncludeObject.None,
        "Object" => IncludeObject.Object,
        _ => IncludeObject.Metadata,
    };

    private static void RequireGet(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            throw StatusErrors.MethodNotAllowed();
        }
    }
}

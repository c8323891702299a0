using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mnemo.KubeApiServer;

/// <summary>
/// A watch response: one JSON event per line (<c>{"type":"ADDED","object":{...}}</c>), flushed as
/// events happen, until <c>timeoutSeconds</c>, the client leaving or shutdown. With no (or "0")
/// resourceVersion the current objects come first as ADDED; from an expired one the only event is
/// an ERROR carrying a 410 Status. Tables (kubectl get -w) come as one-row Tables per event.
/// </summary>
internal static class WatchStream
{
    // When the client names no timeout: the real server's default is a random 30-60 minutes.
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static async Task ServeAsync(HttpContext context, ResourceStore resources, RequestInfo request, ObjectFilter filter, IncludeObject include, CancellationToken stopping)
    {
        IQueryCollection query = context.Request.Query;
        long? from = ResourceVersion(query["resourceVersion"].FirstOrDefault());
        TimeSpan timeout = query["timeoutSeconds"].FirstOrDefault() is { } seconds
            ? int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? TimeSpan.FromSeconds(value) : throw StatusErrors.BadRequest($"invalid timeoutSeconds \"{seconds}\"")
            : DefaultTimeout;
        bool table = TableRenderer.IsRequested(context.Request.Headers.Accept);
        bool bookmarks = string.Equals(query["allowWatchBookmarks"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Responses.JsonContentType;
        WatchHub.Watcher watcher;
        try
        {
            watcher = resources.Watch(request.Type, filter, from, bookmarks);
        }
        catch (KubeApiException error) when (error.Code == StatusCodes.Status410Gone)
        {
            // As the real server does: the watch itself succeeds and its one event is the error.
            await WriteLineAsync(context, Json.ToBytes(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("type", "ERROR");
                writer.WritePropertyName("object");
                error.ToStatus().WriteTo(writer);
                writer.WriteEndObject();
            }), context.RequestAborted);
            return;
        }

        using (watcher)
        using (var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
        {
            end.CancelAfter(timeout);
            await context.Response.StartAsync(end.Token);
            foreach (WatchEvent initial in watcher.Initial)
            {
                await WriteLineAsync(context, Event(request.Type, initial, table, include), end.Token);
            }
            await context.Response.Body.FlushAsync(end.Token);
            while (true)
            {
                try
                {
                    if (!await watcher.Events.WaitToReadAsync(end.Token))
                    {
                        break; // closed: shutdown, or this watcher fell too far behind
                    }
                    while (watcher.Events.TryRead(out WatchEvent? change))
                    {
                        await WriteLineAsync(context, Event(request.Type, change, table, include), end.Token);
                    }
                    await context.Response.Body.FlushAsync(end.Token);
                }
                catch (OperationCanceledException) when (end.IsCancellationRequested)
                {
                    break; // timeoutSeconds, the client left, or shutdown
                }
            }
        }
    }

    private static long? ResourceVersion(string? text) => text switch
    {
        null or "" or "0" => null,
        _ when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long revision) => revision,
        _ => throw StatusErrors.BadRequest($"resourceVersion: Invalid value: \"{text}\": must be a number"),
    };

    private static byte[] Event(ResourceType type, WatchEvent change, bool table, IncludeObject include) => Json.ToBytes(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("type", change.TypeName);
        writer.WritePropertyName("object");
        if (change.Type == ChangeType.Bookmark)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", type.Kind);
            writer.WriteString("apiVersion", type.GroupVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", change.ResourceVersion.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else if (table)
        {
            TableRenderer.Write(writer, type, [change.Object], ObjectMeta.ResourceVersion(change.Object), include);
        }
        else
        {
            Responses.WriteObject(writer, type, change.Object);
        }
        writer.WriteEndObject();
    });

    private static async Task WriteLineAsync(HttpContext context, byte[] line, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(line, cancellationToken);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }
}

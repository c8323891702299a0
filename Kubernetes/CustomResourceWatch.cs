using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnemo.Kubernetes;

/// <summary>
/// Follows one custom resource (in a namespace, or in all namespaces) the way a controller's informer does:
/// LIST, then WATCH from the list's resourceVersion; resume from the last seen resourceVersion when the stream
/// ends; LIST again on 410 Gone; back off (doubling, capped) after errors. Keeps the current objects and
/// reports each change together with a snapshot of them, plus <see cref="ResourceWatchEventType.Resynced"/>
/// after every list, so consumers can be level-based. Enumerate <see cref="WatchAsync"/> once at a time.
/// </summary>
public sealed class CustomResourceWatch
{
    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private ImmutableDictionary<string, JsonElement> _objects = ImmutableDictionary<string, JsonElement>.Empty.WithComparers(StringComparer.Ordinal);
    private int _running;

    /// <param name="client">The API client (not disposed by the watch).</param>
    /// <param name="group">API group, e.g. <c>mnemo.dev</c>.</param>
    /// <param name="version">API version, e.g. <c>v1alpha1</c>.</param>
    /// <param name="plural">Resource plural, e.g. <c>memshacks</c>.</param>
    /// <param name="namespace">Namespace to follow; null follows all namespaces.</param>
    /// <param name="logger">Where reconnects and errors are logged.</param>
    public CustomResourceWatch(IKubernetes client, string group, string version, string plural, string? @namespace, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(plural);
        _client = client;
        Group = group;
        Version = version;
        Plural = plural;
        Namespace = @namespace;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Group { get; }

    public string Version { get; }

    public string Plural { get; }

    /// <summary>The namespace followed; null means all namespaces.</summary>
    public string? Namespace { get; }

    /// <summary>Optional label selector for the list and the watch.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Server-side timeout of one watch request; the stream then ends and is resumed. Null: the server's default.</summary>
    public int? WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>First delay after an error; it doubles on each further error up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan MinRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The current objects, keyed by <c>namespace/name</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Objects => _objects;

    /// <summary>The resourceVersion the watch resumes from; null before the first list and while re-listing.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>How many times the resource was listed (the first list included).</summary>
    public int ListCount { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; then the enumeration just ends.</summary>
    public async IAsyncEnumerable<ResourceWatchEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("This CustomResourceWatch is already being enumerated.");
        }

        try
        {
            var delay = MinRetryDelay;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (ResourceVersion is null)
                {
                    var listed = await TryListAsync(cancellationToken).ConfigureAwait(false);
                    if (listed is null)
                    {
                        if (!await BackOffAsync(delay, cancellationToken).ConfigureAwait(false)) yield break;
                        delay = Next(delay);
                        continue;
                    }

                    foreach (var change in listed) yield return change;
                    delay = MinRetryDelay;
                    continue;
                }

                // One watch request, resumed from ResourceVersion.
                var errors = new ConcurrentQueue<Exception>();
                var started = Stopwatch.StartNew();
                var received = 0;
                Exception? failure = null;
                var stream = StartWatch(ResourceVersion, errors.Enqueue, cancellationToken);
                var events = stream.GetAsyncEnumerator(cancellationToken);
                try
                {
                    while (true)
                    {
                        try
                        {
                            if (!await events.MoveNextAsync().ConfigureAwait(false)) break;
                        }
                        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                        {
                            yield break;
                        }
                        catch (Exception ex) when (received == 0 && IsEmptyStreamEnd(ex))
                        {
                            // KubernetesClient 21 reads the first line before it returns the stream, and a
                            // watch that ends (timeoutSeconds) without any event makes that read throw.
                            // It is a normal end of stream.
                            break;
                        }
                        catch (Exception ex)
                        {
                            failure = ex;
                            break;
                        }

                        if (!errors.IsEmpty) break; // an ERROR event (e.g. 410); the server ends the stream after it
                        received++;
                        if (Apply(events.Current.Item1, events.Current.Item2) is { } change) yield return change;
                    }
                }
                finally
                {
                    await DisposeQuietlyAsync(events).ConfigureAwait(false);
                }

                if (cancellationToken.IsCancellationRequested) yield break;
                if (failure is not null) errors.Enqueue(failure);

                if (errors.Any(IsGone))
                {
                    _logger.LogInformation("Watch of {Resource} from resourceVersion {ResourceVersion}: 410 Gone, listing again", Describe(), ResourceVersion);
                    ResourceVersion = null;
                    continue;
                }

                if (!errors.IsEmpty || (received == 0 && started.Elapsed < MinRetryDelay))
                {
                    // An error, or a stream that ends at once without events: do not hammer the server.
                    if (errors.TryPeek(out var error))
                    {
                        _logger.LogWarning(error, "Watch of {Resource} failed; retrying in {Delay}", Describe(), delay);
                    }

                    if (!await BackOffAsync(delay, cancellationToken).ConfigureAwait(false)) yield break;
                    delay = Next(delay);
                    continue;
                }

                // A normal end of stream (the server's timeout): resume at once.
                _logger.LogDebug("Watch of {Resource} ended after {Elapsed} and {Count} events; resuming from resourceVersion {ResourceVersion}",
                    Describe(), started.Elapsed, received, ResourceVersion);
                delay = MinRetryDelay;
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Lists and reconciles the current objects with the list; null (logged) if the list failed.</summary>
    private async Task<List<ResourceWatchEvent>?> TryListAsync(CancellationToken ct)
    {
        JsonElement list;
        try
        {
            var result = Namespace is null
                ? await _client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, Plural, labelSelector: LabelSelector, cancellationToken: ct).ConfigureAwait(false)
                : await _client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, Namespace, Plural, labelSelector: LabelSelector, cancellationToken: ct).ConfigureAwait(false);
            list = ToElement(result);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "List of {Resource} failed", Describe());
            return null;
        }

        var listed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (KeyOf(item) is { } key) listed[key] = item.Clone();
            }
        }

        var changes = new List<ResourceWatchEvent>();
        foreach (var (key, old) in _objects)
        {
            if (!listed.ContainsKey(key))
            {
                _objects = _objects.Remove(key);
                changes.Add(new ResourceWatchEvent(ResourceWatchEventType.Deleted, key, old, _objects));
            }
        }

        foreach (var (key, item) in listed)
        {
            var existed = _objects.TryGetValue(key, out var old);
            if (existed && ResourceVersionOf(old) == ResourceVersionOf(item)) continue;
            _objects = _objects.SetItem(key, item);
            changes.Add(new ResourceWatchEvent(existed ? ResourceWatchEventType.Modified : ResourceWatchEventType.Added, key, item, _objects));
        }

        changes.Add(new ResourceWatchEvent(ResourceWatchEventType.Resynced, null, null, _objects));
        ListCount++;

        var listVersion = list.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object &&
                          meta.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            ? rv.GetString()
            : null;
        if (string.IsNullOrEmpty(listVersion))
        {
            // Without it the watch would start "now" and could miss changes made since the list.
            _logger.LogWarning("List of {Resource} carried no resourceVersion; the watch starts from the newest object's", Describe());
            listVersion = listed.Values.Select(ResourceVersionOf).Where(v => v is not null).MaxBy(v => long.TryParse(v, out var n) ? n : 0) ?? "0";
        }

        ResourceVersion = listVersion;
        return changes;
    }

    private IAsyncEnumerable<(WatchEventType, object)> StartWatch(string resourceVersion, Action<Exception> onError, CancellationToken ct) =>
        Namespace is null
            ? _client.CustomObjects.WatchListClusterCustomObjectAsync(
                Group, Version, Plural, allowWatchBookmarks: true, labelSelector: LabelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Group, Version, Namespace, Plural, allowWatchBookmarks: true, labelSelector: LabelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct);

    /// <summary>Applies one watch event to the current objects; null if it changes nothing visible.</summary>
    private ResourceWatchEvent? Apply(WatchEventType type, object payload)
    {
        var item = ToElement(payload).Clone();
        if (ResourceVersionOf(item) is { Length: > 0 } version) ResourceVersion = version;
        if (type == WatchEventType.Bookmark || KeyOf(item) is not { } key) return null;

        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                var existed = _objects.TryGetValue(key, out var old);
                if (existed && ResourceVersionOf(old) == ResourceVersionOf(item)) return null; // already known
                _objects = _objects.SetItem(key, item);
                return new ResourceWatchEvent(existed ? ResourceWatchEventType.Modified : ResourceWatchEventType.Added, key, item, _objects);
            case WatchEventType.Deleted:
                if (!_objects.ContainsKey(key)) return null;
                _objects = _objects.Remove(key);
                return new ResourceWatchEvent(ResourceWatchEventType.Deleted, key, item, _objects);
            default:
                return null;
        }
    }

    private static bool IsGone(Exception error) => error switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    private static bool IsEmptyStreamEnd(Exception error) =>
        error is HttpRequestException { InnerException: EndOfStreamException };

    private static async Task<bool> BackOffAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private TimeSpan Next(TimeSpan delay) => delay * 2 > MaxRetryDelay ? MaxRetryDelay : delay * 2;

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<(WatchEventType, object)> events)
    {
        try
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Tearing down a broken or cancelled stream; nothing left to report.
        }
    }

    private static JsonElement ToElement(object payload) => payload switch
    {
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(payload, payload.GetType()),
    };

    private static string? KeyOf(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object) return null;
        var name = meta.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (string.IsNullOrEmpty(name)) return null;
        var ns = meta.TryGetProperty("namespace", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return string.IsNullOrEmpty(ns) ? name : ns + "/" + name;
    }

    private static string? ResourceVersionOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object &&
        meta.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            ? rv.GetString()
            : null;

    private string Describe() => Namespace is null ? $"{Plural}.{Group} (all namespaces)" : $"{Plural}.{Group} in {Namespace}";
}

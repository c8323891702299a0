using System.Text.Json;
using System.Threading.Channels;

namespace Mnemo.KubeApiServer;

internal enum ChangeType { Added, Modified, Deleted, Bookmark }

/// <summary>One change of one object, at the resourceVersion it was stored with.</summary>
internal sealed record WatchEvent(ChangeType Type, string GroupResource, JsonElement Object, JsonElement? Previous, long ResourceVersion)
{
    public string TypeName => Type switch
    {
        ChangeType.Added => "ADDED",
        ChangeType.Modified => "MODIFIED",
        ChangeType.Deleted => "DELETED",
        _ => "BOOKMARK",
    };
}

/// <summary>
/// The watch cache: a bounded history of events per resource that watches resume from, and the
/// live watchers events are fanned out to. <see cref="ObjectStore"/> calls <see cref="Publish"/> and
/// <see cref="Subscribe"/> under its write lock, so a new watcher sees every event after its start
/// exactly once and in resourceVersion order.
/// </summary>
internal sealed class WatchHub(long startRevision, int historyLimit)
{
    // A watcher that falls this far behind is closed, as the real server does; its client re-watches.
    private const int WatcherBacklog = 10_000;

    private readonly Dictionary<string, History> histories = new(StringComparer.Ordinal);
    private readonly Lock watchersGate = new();
    private readonly List<Watcher> watchers = [];

    private sealed class History(long compacted)
    {
        public Queue<WatchEvent> Events { get; } = new();

        /// <summary>Every event after this resourceVersion is still in <see cref="Events"/>.</summary>
        public long Compacted { get; set; } = compacted;
    }

    public void Publish(WatchEvent change)
    {
        if (!histories.TryGetValue(change.GroupResource, out History? history))
        {
            history = new History(startRevision);
            histories[change.GroupResource] = history;
        }
        history.Events.Enqueue(change);
        while (history.Events.Count > historyLimit)
        {
            history.Compacted = history.Events.Dequeue().ResourceVersion;
        }
        foreach (Watcher watcher in Snapshot())
        {
            watcher.Offer(change);
        }
    }

    public void Bookmark(long revision)
    {
        foreach (Watcher watcher in Snapshot())
        {
            watcher.OfferBookmark(revision);
        }
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromRevision"/> null the current objects come first as
    /// ADDED (<paramref name="current"/>); otherwise the events after it, or 410 Expired when the
    /// history no longer reaches back that far.
    /// </summary>
    public Watcher Subscribe(string groupResource, ObjectFilter filter, long? fromRevision, IEnumerable<JsonElement> current, bool bookmarks)
    {
        var initial = new List<WatchEvent>();
        if (fromRevision is not long from)
        {
            initial.AddRange(current.Where(filter.Matches).Select(o => new WatchEvent(ChangeType.Added, groupResource, o, null, long.Parse(ObjectMeta.ResourceVersion(o)))));
        }
        else
        {
            long compacted = histories.TryGetValue(groupResource, out History? history) ? history.Compacted : startRevision;
            if (from < compacted)
            {
                throw StatusErrors.Expired($"too old resource version: {from} ({compacted + 1})");
            }
            foreach (WatchEvent past in history?.Events ?? Enumerable.Empty<WatchEvent>())
            {
                if (past.ResourceVersion > from && Translate(past, groupResource, filter) is { } visible)
                {
                    initial.Add(visible);
                }
            }
        }
        var watcher = new Watcher(this, groupResource, filter, initial, bookmarks);
        lock (watchersGate)
        {
            watchers.Add(watcher);
        }
        return watcher;
    }

    /// <summary>
    /// The event as a watcher of <paramref name="groupResource"/> with <paramref name="filter"/> sees it:
    /// with selectors an object that starts matching is ADDED and one that stops matching is DELETED,
    /// as Kubernetes' watch cache does.
    /// </summary>
    private static WatchEvent? Translate(WatchEvent change, string groupResource, ObjectFilter filter)
    {
        if (change.GroupResource != groupResource)
        {
            return null;
        }
        bool now = filter.Matches(change.Object);
        bool before = change.Previous is { } previous && filter.Matches(previous);
        return change.Type switch
        {
            ChangeType.Modified when now && !before => change with { Type = ChangeType.Added },
            ChangeType.Modified when !now && before => change with { Type = ChangeType.Deleted },
            ChangeType.Modified when !now => null,
            _ when now => change,
            _ => null,
        };
    }

    /// <summary>Ends every watch (server shutdown) so their responses complete.</summary>
    public void CloseAll()
    {
        foreach (Watcher watcher in Snapshot())
        {
            watcher.Close();
        }
    }

    internal void Remove(Watcher watcher)
    {
        lock (watchersGate)
        {
            watchers.Remove(watcher);
        }
    }

    private Watcher[] Snapshot()
    {
        lock (watchersGate)
        {
            return [.. watchers];
        }
    }

    /// <summary>One watch request: the events it has to send, filtered and typed for it.</summary>
    internal sealed class Watcher(WatchHub hub, string groupResource, ObjectFilter filter, IReadOnlyList<WatchEvent> initial, bool bookmarks) : IDisposable
    {
        private readonly Channel<WatchEvent> channel = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(WatcherBacklog) { SingleReader = true });

        /// <summary>The events before the live ones: current objects or the replayed history.</summary>
        public IReadOnlyList<WatchEvent> Initial { get; } = initial;

        public ChannelReader<WatchEvent> Events => channel.Reader;

        public void Offer(WatchEvent change)
        {
            if (Translate(change, groupResource, filter) is { } visible && !channel.Writer.TryWrite(visible))
            {
                Close();
            }
        }

        public void OfferBookmark(long revision)
        {
            if (bookmarks)
            {
                channel.Writer.TryWrite(new WatchEvent(ChangeType.Bookmark, groupResource, default, null, revision));
            }
        }

        public void Close() => channel.Writer.TryComplete();

        public void Dispose()
        {
            Close();
            hub.Remove(this);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The storage layer, in the role etcd plays for Kubernetes: objects by resource, namespace and
/// name, one global resourceVersion counter, and the watch events of every write. All access runs
/// in a <see cref="Transaction"/> under one lock, so preconditions (resourceVersion, existence)
/// are checked and acted on atomically and revisions are handed out in commit order.
/// </summary>
internal sealed class ObjectStore : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SortedDictionary<(string Namespace, string Name), JsonElement>> resources = new(StringComparer.Ordinal);
    private readonly Persistence? persistence;
    private readonly Timer bookmarks;
    private readonly WatchHub hub;
    private long revision;
    private int count;

    public ObjectStore(string? stateDir, int watchHistoryLimit, TimeSpan bookmarkInterval)
    {
        if (stateDir is not null)
        {
            persistence = new Persistence(stateDir);
            (revision, List<Persistence.Entry> objects) = persistence.Load();
            foreach (Persistence.Entry entry in objects)
            {
                Objects(entry.GroupResource)[(ObjectMeta.Namespace(entry.Object), ObjectMeta.Name(entry.Object))] = entry.Object;
                count++;
            }
            persistence.Compact(revision, Entries());
        }
        hub = new WatchHub(revision, watchHistoryLimit);
        bookmarks = new Timer(_ => Transact(tx => hub.Bookmark(tx.Revision)), null, bookmarkInterval, bookmarkInterval);
    }

    public T Transact<T>(Func<Transaction, T> work)
    {
        lock (gate)
        {
            return work(new Transaction(this));
        }
    }

    public void Transact(Action<Transaction> work)
    {
        lock (gate)
        {
            work(new Transaction(this));
        }
    }

    /// <summary>Ends every open watch, for shutdown.</summary>
    public void CloseWatches() => hub.CloseAll();

    public void Dispose()
    {
        bookmarks.Dispose();
        hub.CloseAll();
        lock (gate)
        {
            persistence?.Dispose();
        }
    }

    private SortedDictionary<(string Namespace, string Name), JsonElement> Objects(string groupResource)
    {
        if (!resources.TryGetValue(groupResource, out var objects))
        {
            objects = new SortedDictionary<(string, string), JsonElement>(KeyOrder.Instance);
            resources[groupResource] = objects;
        }
        return objects;
    }

    private IEnumerable<Persistence.Entry> Entries() =>
        resources.SelectMany(resource => resource.Value.Values.Select(obj => new Persistence.Entry(resource.Key, obj)));

    private sealed class KeyOrder : IComparer<(string Namespace, string Name)>
    {
        public static KeyOrder Instance { get; } = new();

        public int Compare((string Namespace, string Name) x, (string Namespace, string Name) y)
        {
            int byNamespace = string.CompareOrdinal(x.Namespace, y.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(x.Name, y.Name);
        }
    }

    /// <summary>Reads and writes inside the store lock; valid only during <see cref="Transact{T}"/>.</summary>
    public sealed class Transaction(ObjectStore store)
    {
        /// <summary>The resourceVersion of the latest write (what a list answers with).</summary>
        public long Revision => store.revision;

        public JsonElement? Get(string groupResource, string @namespace, string name) =>
            store.resources.TryGetValue(groupResource, out var objects) && objects.TryGetValue((@namespace, name), out JsonElement obj) ? obj : null;

        /// <summary>The objects of a resource in key order, in one namespace or (null) all.</summary>
        public List<JsonElement> List(string groupResource, string? @namespace) =>
            !store.resources.TryGetValue(groupResource, out var objects) ? []
            : @namespace is null ? [.. objects.Values]
            : [.. objects.Where(pair => pair.Key.Namespace == @namespace).Select(pair => pair.Value)];

        /// <summary>Every object of every resource in a namespace (what deleting the namespace deletes).</summary>
        public List<(string GroupResource, JsonElement Object)> InNamespace(string @namespace) =>
            [.. store.resources.SelectMany(resource => resource.Value
                .Where(pair => pair.Key.Namespace == @namespace)
                .Select(pair => (resource.Key, pair.Value)))];

        /// <summary>Stores an object under the next resourceVersion (written into it) and publishes ADDED or MODIFIED.</summary>
        public JsonElement Put(string groupResource, JsonObject obj)
        {
            long next = store.revision + 1;
            ObjectMeta.Metadata(obj)["resourceVersion"] = next.ToString(CultureInfo.InvariantCulture);
            byte[] bytes = Json.ToBytes(obj);
            JsonElement stored = Json.Parse(bytes);
            var key = (ObjectMeta.Namespace(stored), ObjectMeta.Name(stored));
            store.persistence?.AppendPut(next, groupResource, bytes);
            store.revision = next;
            var objects = store.Objects(groupResource);
            bool existed = objects.TryGetValue(key, out JsonElement previous);
            objects[key] = stored;
            if (!existed)
            {
                store.count++;
            }
            store.hub.Publish(new WatchEvent(existed ? ChangeType.Modified : ChangeType.Added, groupResource, stored, existed ? previous : null, next));
            CompactIfDue();
            return stored;
        }

        /// <summary>Removes an object and publishes DELETED; the object it returns carries the deletion's resourceVersion.</summary>
        public JsonElement Delete(string groupResource, string @namespace, string name)
        {
            var objects = store.Objects(groupResource);
            if (!objects.TryGetValue((@namespace, name), out JsonElement previous))
            {
                throw new InvalidOperationException($"{groupResource} {@namespace}/{name} is not stored");
            }
            long next = store.revision + 1;
            JsonObject last = Json.ToObject(previous);
            ObjectMeta.Metadata(last)["resourceVersion"] = next.ToString(CultureInfo.InvariantCulture);
            JsonElement deleted = Json.ToElement(last);
            store.persistence?.AppendDelete(next, groupResource, @namespace, name);
            store.revision = next;
            objects.Remove((@namespace, name));
            store.count--;
            store.hub.Publish(new WatchEvent(ChangeType.Deleted, groupResource, deleted, previous, next));
            CompactIfDue();
            return deleted;
        }

        /// <summary>Starts a watch (see <see cref="WatchHub.Subscribe"/>); atomic with respect to writes.</summary>
        public WatchHub.Watcher Watch(string groupResource, ObjectFilter filter, long? fromRevision, bool bookmarks) =>
            store.hub.Subscribe(groupResource, filter, fromRevision, fromRevision is null ? List(groupResource, filter.Namespace) : [], bookmarks);

        private void CompactIfDue()
        {
            if (store.persistence is { } persistence && persistence.ShouldCompact(store.count))
            {
                persistence.Compact(store.revision, store.Entries());
            }
        }
    }
}

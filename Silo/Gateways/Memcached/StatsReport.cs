using System.Diagnostics;
using System.Globalization;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>
/// The <c>stats</c> groups, with memcached's field names so memcstat, the Prometheus memcached
/// exporter and dashboards read them unchanged. Only figures the gateway or the store really know
/// are reported; a store that cannot be reached counts as empty, and slab figures come only from a
/// store that implements <see cref="ICacheStoreIntrospection"/>. Control path: allocation is fine here.
/// </summary>
internal static class StatsReport
{
    /// <summary>The lines of <paramref name="group"/> ("" = general), or null for an unknown group.</summary>
    public static async ValueTask<IReadOnlyList<KeyValuePair<string, string>>?> BuildAsync(string group, GatewayStats stats, IAsyncCacheStore store,
        MemcachedGatewayOptions options)
    {
        switch (group)
        {
            case "":
                return General(stats, (await store.GetStatsAsync()).Stats, options);
            case "settings":
                return Settings((await store.GetStatsAsync()).Stats, store.ItemSizeMax, options);
            case "slabs":
                return Slabs(SlabsOf(store), (await store.GetStatsAsync()).Stats);
            case "items":
                return Items(SlabsOf(store));
            default:
                return null;
        }
    }

    private static List<KeyValuePair<string, string>> General(GatewayStats stats, CacheStoreStats storeStats, MemcachedGatewayOptions options)
    {
        using Process process = Process.GetCurrentProcess();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var lines = new List<KeyValuePair<string, string>>
        {
            Line("pid", Environment.ProcessId),
            Line("uptime", (long)(now - stats.Started).TotalSeconds),
            Line("time", now.ToUnixTimeSeconds()),
            new("version", options.Version),
            Line("pointer_size", IntPtr.Size * 8),
            new("rusage_user", Seconds(process.UserProcessorTime)),
            new("rusage_system", Seconds(process.PrivilegedProcessorTime)),
            Line("max_connections", options.MaxConnections),
            Line("curr_connections", stats.CurrentConnections),
            Line("total_connections", stats.TotalConnections),
            Line("rejected_connections", stats.RejectedConnections),
            Line("connection_structures", stats.CurrentConnections),
        };
        foreach (Counter counter in Enum.GetValues<Counter>())
        {
            if (counter is Counter.BytesRead or Counter.BytesWritten or Counter.TotalItems)
            {
                continue;
            }
            lines.Add(Line(GatewayStats.Name(counter), stats[counter]));
        }
        lines.AddRange(
        [
            Line("bytes_read", stats[Counter.BytesRead]),
            Line("bytes_written", stats[Counter.BytesWritten]),
            Line("limit_maxbytes", storeStats.LimitMaxBytes),
            Line("accepting_conns", stats.CurrentConnections < options.MaxConnections ? 1 : 0),
            Line("threads", Environment.ProcessorCount),
            Line("bytes", storeStats.Bytes),
            Line("curr_items", storeStats.CurrentItems),
            Line("total_items", stats[Counter.TotalItems]),
            Line("evictions", storeStats.Evictions),
        ]);
        return lines;
    }

    private static List<KeyValuePair<string, string>> Settings(CacheStoreStats storeStats, int itemSizeMax, MemcachedGatewayOptions options) =>
    [
        Line("maxbytes", storeStats.LimitMaxBytes),
        Line("maxconns", options.MaxConnections),
        Line("item_size_max", itemSizeMax),
        new("evictions", "on"),
        new("cas_enabled", "yes"),
        new("flush_enabled", "yes"),
        new("binding_protocol", "auto-negotiate"),
        new("auth_enabled_sasl", "no"),
        Line("num_threads", Environment.ProcessorCount),
    ];

    private static List<KeyValuePair<string, string>> Slabs(IReadOnlyList<CacheSlabStats> slabs, CacheStoreStats storeStats)
    {
        var lines = new List<KeyValuePair<string, string>>();
        foreach (CacheSlabStats slab in slabs)
        {
            string prefix = slab.ClassId.ToString(CultureInfo.InvariantCulture) + ":";
            lines.Add(Line(prefix + "chunk_size", slab.ChunkSize));
            lines.Add(Line(prefix + "chunks_per_page", slab.Pages == 0 ? 0 : slab.ChunksTotal / slab.Pages));
            lines.Add(Line(prefix + "total_pages", slab.Pages));
            lines.Add(Line(prefix + "total_chunks", slab.ChunksTotal));
            lines.Add(Line(prefix + "used_chunks", slab.ChunksUsed));
            lines.Add(Line(prefix + "free_chunks", slab.ChunksTotal - slab.ChunksUsed));
        }
        lines.Add(Line("active_slabs", slabs.Count));
        lines.Add(Line("total_malloced", storeStats.Bytes));
        return lines;
    }

    private static List<KeyValuePair<string, string>> Items(IReadOnlyList<CacheSlabStats> slabs)
    {
        var lines = new List<KeyValuePair<string, string>>();
        foreach (CacheSlabStats slab in slabs)
        {
            if (slab.ChunksUsed == 0)
            {
                continue;
            }
            string prefix = "items:" + slab.ClassId.ToString(CultureInfo.InvariantCulture) + ":";
            lines.Add(Line(prefix + "number", slab.ChunksUsed));
            lines.Add(Line(prefix + "evicted", slab.Evictions));
        }
        return lines;
    }

    private static IReadOnlyList<CacheSlabStats> SlabsOf(IAsyncCacheStore store) => (store as ICacheStoreIntrospection)?.GetSlabStats() ?? [];

    private static KeyValuePair<string, string> Line(string name, long value) => new(name, value.ToString(CultureInfo.InvariantCulture));

    private static KeyValuePair<string, string> Line(string name, ulong value) => new(name, value.ToString(CultureInfo.InvariantCulture));

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
}

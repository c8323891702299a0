using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnemo.DataPlane;

/// <summary>
/// The <c>stats</c> groups, with memcached 1.6's names, order and value formats, so memcstat, the
/// Prometheus memcached exporter and dashboards read a gateway as they read a memcached. The gateway
/// presents itself as a memcached started with <c>-o no_lru_crawler,no_lru_maintainer,no_slab_reassign -X</c>
/// and built without extstore or TLS: the engine has no LRU crawler, segmented LRU, slab mover or
/// cache dump, and that configuration is exactly the one whose report leaves out their figures.
/// Figures of memcached internals the gateway does not have (read buffers, hash table, logger) are
/// given as an idle memcached gives them. A store that cannot be reached counts as empty; slab
/// figures come only from a store that implements <see cref="ICacheStoreIntrospection"/>.
/// Control path: allocation is fine here.
/// </summary>
internal static class StatsReport
{
    private const string Null = "(null)";

    /// <summary>The lines of <paramref name="group"/> ("" = general), or null for a group memcached
    /// answers with ERROR. <paramref name="requester"/> is the connection asking (for <c>stats conns</c>).</summary>
    public static async ValueTask<IReadOnlyList<KeyValuePair<string, string>>?> BuildAsync(string group, GatewayStats stats, IAsyncCacheStore store,
        MemcachedGatewayOptions options, ConnectionCounters? requester = null)
    {
        switch (group)
        {
            case "":
                return General(stats, (await store.GetStatsAsync()).Stats, options, (store as ICacheStoreIntrospection)?.RepairedKeys);
            case "settings":
                return Settings(stats, (await store.GetStatsAsync()).Stats, store.ItemSizeMax, options, requester);
            case "slabs":
                return Slabs(SlabsOf(store), (await store.GetStatsAsync()).Stats);
            case "items":
                return Items(SlabsOf(store));
            case "sizes":
                return [new("sizes_status", "disabled")];
            case "conns":
                return Connections(stats, requester);
            default:
                return null;
        }
    }

    /// <summary>memcached's general group; a replicated store adds <c>mnemo_repaired_keys</c> last (exporters skip names they do not know).</summary>
    private static List<KeyValuePair<string, string>> General(GatewayStats stats, CacheStoreStats storeStats, MemcachedGatewayOptions options,
        long? repairedKeys)
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
            new("rusage_user", Timeval(process.UserProcessorTime)),
            new("rusage_system", Timeval(process.PrivilegedProcessorTime)),
            Line("max_connections", options.MaxConnections),
            Line("curr_connections", stats.CurrentConnections),
            Line("total_connections", stats.TotalConnections),
            Line("rejected_connections", stats.RejectedConnections),
            Line("connection_structures", stats.CurrentConnections),
            // memcached's response objects and read buffers: Kestrel's pipes play their part here.
            Line("response_obj_oom", 0),
            Line("response_obj_count", 0),
            Line("response_obj_bytes", 0),
            Line("read_buf_count", 0),
            Line("read_buf_bytes", 0),
            Line("read_buf_bytes_free", 0),
            Line("read_buf_oom", 0),
            Line("reserved_fds", 20),
            CounterLine(stats, Counter.CmdGet),
            CounterLine(stats, Counter.CmdSet),
            CounterLine(stats, Counter.CmdFlush),
            CounterLine(stats, Counter.CmdTouch),
            CounterLine(stats, Counter.CmdMeta),
            CounterLine(stats, Counter.GetHits),
            CounterLine(stats, Counter.GetMisses),
            // The store answers an expired or flushed item as a plain miss.
            Line("get_expired", 0),
            Line("get_flushed", 0),
        };
        for (Counter counter = Counter.DeleteMisses; counter <= Counter.StoreNoMemory; counter++)
        {
            lines.Add(CounterLine(stats, counter));
        }
        lines.AddRange(
        [
            Line("auth_cmds", 0),
            Line("auth_errors", 0),
            CounterLine(stats, Counter.BytesRead),
            CounterLine(stats, Counter.BytesWritten),
            Line("limit_maxbytes", storeStats.LimitMaxBytes),
            Line("accepting_conns", stats.CurrentConnections < options.MaxConnections ? 1 : 0),
            // Connections over the limit are closed at once (memcached's maxconns_fast): the listener never pauses.
            Line("listen_disabled_num", 0),
            Line("time_in_listen_disabled_us", 0),
            Line("threads", Environment.ProcessorCount),
            Line("conn_yields", 0),
            Line("hash_power_level", 16),
            Line("hash_bytes", 524288),
            Line("hash_is_expanding", 0),
            Line("malloc_fails", 0),
            Line("log_worker_dropped", 0),
            Line("log_worker_written", 0),
            Line("log_watcher_skipped", 0),
            Line("log_watcher_sent", 0),
            Line("log_watchers", 0),
            Line("unexpected_napi_ids", 0),
            Line("round_robin_fallback", 0),
            Line("bytes", storeStats.Bytes),
            Line("curr_items", storeStats.CurrentItems),
            CounterLine(stats, Counter.TotalItems),
            Line("slab_global_page_pool", 0),
            Line("expired_unfetched", 0),
            Line("evicted_unfetched", 0),
            Line("evictions", storeStats.Evictions),
            Line("reclaimed", 0),
            Line("crawler_reclaimed", 0),
            Line("crawler_items_checked", 0),
            Line("lrutail_reflocked", 0),
        ]);
        if (repairedKeys is { } repaired)
        {
            lines.Add(Line("mnemo_repaired_keys", repaired));
        }
        return lines;
    }

    private static List<KeyValuePair<string, string>> Settings(GatewayStats stats, CacheStoreStats storeStats, int itemSizeMax,
        MemcachedGatewayOptions options, ConnectionCounters? requester)
    {
        // memcached reports the -p and -l it was started with; the gateway, the listener this client reached.
        var listener = requester?.Local as IPEndPoint;
        return
        [
            Line("maxbytes", storeStats.LimitMaxBytes),
            Line("maxconns", options.MaxConnections),
            Line("tcpport", listener?.Port ?? 0),
            Line("udpport", 0),
            new("inter", listener?.Address.ToString() ?? "NULL"),
            Line("verbosity", 0),
            Line("oldest", 0),
            new("evictions", "on"),
            new("domain_socket", "NULL"),
            Line("umask", 700),
            new("shutdown_command", "no"),
            new("growth_factor", "1.25"),
            Line("chunk_size", 48),
            Line("num_threads", Environment.ProcessorCount),
            Line("num_threads_per_udp", Environment.ProcessorCount),
            new("stat_key_prefix", ":"),
            new("detail_enabled", YesNo(stats.DetailEnabled)),
            Line("reqs_per_event", 20),
            new("cas_enabled", "yes"),
            Line("tcp_backlog", 1024),
            new("binding_protocol", "auto-negotiate"),
            new("auth_enabled_sasl", "no"),
            new("auth_enabled_ascii", "no"),
            Line("item_size_max", itemSizeMax),
            new("maxconns_fast", "yes"),
            Line("hashpower_init", 0),
            new("slab_reassign", "no"),
            Line("slab_automove", 0),
            new("slab_automove_ratio", "0.80"),
            Line("slab_automove_window", 30),
            Line("slab_chunk_max", itemSizeMax / 2),
            new("lru_crawler", "no"),
            Line("lru_crawler_sleep", 100),
            Line("lru_crawler_tocrawl", 0),
            Line("tail_repair_time", 0),
            new("flush_enabled", "yes"),
            new("dump_enabled", "no"),
            new("hash_algorithm", "murmur3"),
            new("lru_maintainer_thread", "no"),
            new("lru_segmented", "no"),
            Line("hot_lru_pct", 20),
            Line("warm_lru_pct", 40),
            new("hot_max_factor", "0.20"),
            new("warm_max_factor", "2.00"),
            new("temp_lru", "no"),
            Line("temporary_ttl", 61),
            Line("idle_timeout", 0),
            Line("watcher_logbuf_size", 262144),
            Line("worker_logbuf_size", 65536),
            Line("read_buf_mem_limit", 0),
            new("track_sizes", "no"),
            new("inline_ascii_response", "no"),
            new("num_napi_ids", Null),
            new("memory_file", Null),
        ];
    }

    private static List<KeyValuePair<string, string>> Slabs(IReadOnlyList<CacheSlabStats> slabs, CacheStoreStats storeStats)
    {
        var lines = new List<KeyValuePair<string, string>>();
        ulong malloced = 0;
        foreach (CacheSlabStats slab in slabs)
        {
            string prefix = slab.ClassId.ToString(CultureInfo.InvariantCulture) + ":";
            ulong chunksPerPage = slab.Pages == 0 ? 0 : slab.ChunksTotal / slab.Pages;
            malloced += slab.ChunksTotal * (ulong)slab.ChunkSize;
            lines.Add(Line(prefix + "chunk_size", slab.ChunkSize));
            lines.Add(Line(prefix + "chunks_per_page", chunksPerPage));
            lines.Add(Line(prefix + "total_pages", slab.Pages));
            lines.Add(Line(prefix + "total_chunks", slab.ChunksTotal));
            lines.Add(Line(prefix + "used_chunks", slab.ChunksUsed));
            lines.Add(Line(prefix + "free_chunks", slab.ChunksTotal - slab.ChunksUsed));
            lines.Add(Line(prefix + "free_chunks_end", 0));
            // Per-class command counts: the gateway counts commands, not the classes their items fell in.
            foreach (string counter in (ReadOnlySpan<string>)["get_hits", "cmd_set", "delete_hits", "incr_hits", "decr_hits", "cas_hits", "cas_badval", "touch_hits"])
            {
                lines.Add(Line(prefix + counter, 0));
            }
        }
        lines.Add(Line("active_slabs", slabs.Count));
        // memcached's total_malloced is the memory given to slab pages; without slabs, the item bytes.
        lines.Add(Line("total_malloced", slabs.Count == 0 ? storeStats.Bytes : malloced));
        return lines;
    }

    private static List<KeyValuePair<string, string>> Items(IReadOnlyList<CacheSlabStats> slabs)
    {
        var lines = new List<KeyValuePair<string, string>>();
        foreach (CacheSlabStats slab in slabs)
        {
            // As memcached, a class appears once it holds an item.
            if (slab.ChunksUsed == 0)
            {
                continue;
            }
            string prefix = "items:" + slab.ClassId.ToString(CultureInfo.InvariantCulture) + ":";
            lines.Add(Line(prefix + "number", slab.ChunksUsed));
            lines.Add(Line(prefix + "age", 0));
            // The chunks' bytes: the engine does not keep the exact item sizes per class.
            lines.Add(Line(prefix + "mem_requested", slab.ChunksUsed * (ulong)slab.ChunkSize));
            lines.Add(Line(prefix + "evicted", slab.Evictions));
            foreach (string counter in (ReadOnlySpan<string>)["evicted_nonzero", "evicted_time", "outofmemory", "tailrepairs", "reclaimed",
                         "expired_unfetched", "evicted_unfetched", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked"])
            {
                lines.Add(Line(prefix + counter, 0));
            }
        }
        return lines;
    }

    /// <summary>One block per open connection, as memcached prints it (its listening sockets aside: the
    /// listeners belong to the host's Kestrel, which the gateway does not see).</summary>
    private static List<KeyValuePair<string, string>> Connections(GatewayStats stats, ConnectionCounters? requester)
    {
        var lines = new List<KeyValuePair<string, string>>();
        long now = Environment.TickCount64;
        foreach (ConnectionCounters connection in stats.OpenConnections())
        {
            string prefix = connection.Id.ToString(CultureInfo.InvariantCulture) + ":";
            if (connection.Remote is not null)
            {
                lines.Add(new(prefix + "addr", Address(connection.Remote)));
            }
            if (connection.Local is not null)
            {
                lines.Add(new(prefix + "listen_addr", Address(connection.Local)));
            }
            // The asking connection is parsing its command; the others wait for their next one.
            lines.Add(new(prefix + "state", connection == requester ? "conn_parse_cmd" : "conn_new_cmd"));
            lines.Add(Line(prefix + "secs_since_last_cmd", Math.Max(0, now - connection.LastCommandTicks) / 1000));
        }
        return lines;
    }

    /// <summary>memcached's form: <c>tcp:127.0.0.1:11211</c>, <c>tcp6:[::1]:11211</c>, <c>unix:/path</c>.</summary>
    private static string Address(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"tcp6:[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"tcp:{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint unix => "unix:" + unix,
        _ => endpoint.ToString() ?? "",
    };

    private static IReadOnlyList<CacheSlabStats> SlabsOf(IAsyncCacheStore store) => (store as ICacheStoreIntrospection)?.GetSlabStats() ?? [];

    private static KeyValuePair<string, string> CounterLine(GatewayStats stats, Counter counter) => Line(GatewayStats.Name(counter), stats[counter]);

    private static KeyValuePair<string, string> Line(string name, long value) => new(name, value.ToString(CultureInfo.InvariantCulture));

    private static KeyValuePair<string, string> Line(string name, ulong value) => new(name, value.ToString(CultureInfo.InvariantCulture));

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>memcached prints a timeval: seconds, a dot, six digits of microseconds.</summary>
    private static string Timeval(TimeSpan time) => time.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
}

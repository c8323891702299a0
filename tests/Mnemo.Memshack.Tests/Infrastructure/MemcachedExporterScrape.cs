using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// One scrape of a memcached-protocol server done the way Prometheus' memcached exporter does it
/// (prometheus/memcached_exporter: pkg/exporter/exporter.go <c>Collect</c>, <c>parseStats</c>,
/// <c>parseStatsSettings</c>; its client github.com/grobie/gomemcache/memcache <c>statsFromAddr</c>,
/// <c>statsSettingsFromAddr</c>), so a test can tell whether the exporter would report the server up
/// and which metrics it would export. The exporter is a Go program that cannot be built here; these
/// are its rules, re-stated:
/// <list type="bullet">
/// <item>Client: on one connection, <c>stats</c>, <c>stats slabs</c>, <c>stats items</c>, each read
/// line by line until a line that is exactly <c>END\r\n</c> (a reply without one runs into the
/// timeout, an error); a first line starting <c>CLIENT_ERROR </c> is an error. A line counts when it
/// splits on spaces into exactly three fields, the first starting <c>STAT</c>; its name split on ':'
/// gives a global stat (1 part), a slab stat (2 parts, the first an integer, else an error) or an item
/// stat (3 parts, the second an integer, else an error); other lines are ignored.</item>
/// <item>Client: <c>stats settings</c> until <c>END\r\n</c>; every line must have 3 fields (or 4,
/// which it joins); anything else is an error.</item>
/// <item>Exporter: a number is Go's <c>strconv.ParseFloat</c>; a missing key is skipped, a present
/// key that does not parse is an error. <c>cmd_set</c>, <c>cas_misses</c>, <c>cas_hits</c> and
/// <c>cas_badval</c> are required. <c>rusage_*</c> must be <c>seconds.micros</c> (exactly one dot).
/// Settings: <c>maxconns</c>; when <c>lru_crawler</c> is <c>yes</c>, <c>lru_crawler</c> and
/// <c>lru_maintainer_thread</c> must be <c>yes</c>/<c>no</c> and the LRU figures numbers. Per-slab
/// metrics only with <c>--enable.slab</c> (their <c>cmd_set</c>, <c>cas_hits</c>, <c>cas_badval</c>
/// are required then).</item>
/// <item><c>memcached_up</c> is 0 when either client call or either parse step failed.</item>
/// </list>
/// </summary>
public sealed class MemcachedExporterScrape
{
    private static readonly string[] Operations = ["get", "delete", "incr", "decr", "cas", "touch"];

    private static readonly (string Key, string Metric)[] ExtstoreStats =
    [
        ("extstore_compact_lost", "extstore_compact_lost_total"), ("extstore_compact_rescues", "extstore_compact_rescued_total"),
        ("extstore_compact_skipped", "extstore_compact_skipped_total"), ("extstore_page_allocs", "extstore_pages_allocated_total"),
        ("extstore_page_evictions", "extstore_pages_evicted_total"), ("extstore_page_reclaims", "extstore_pages_reclaimed_total"),
        ("extstore_pages_free", "extstore_pages_free"), ("extstore_pages_used", "extstore_pages_used"),
        ("extstore_objects_evicted", "extstore_objects_evicted_total"), ("extstore_objects_read", "extstore_objects_read_total"),
        ("extstore_objects_written", "extstore_objects_written_total"), ("extstore_objects_used", "extstore_objects_used"),
        ("extstore_bytes_evicted", "extstore_bytes_evicted_total"), ("extstore_bytes_written", "extstore_bytes_written_total"),
        ("extstore_bytes_read", "extstore_bytes_read_total"), ("extstore_bytes_used", "extstore_bytes_used"),
        ("extstore_bytes_fragmented", "extstore_bytes_fragmented"), ("extstore_limit_maxbytes", "extstore_bytes_limit"),
        ("extstore_io_queue", "extstore_io_queue_depth"),
    ];

    private static readonly (string Key, string Metric)[] ProxyStats =
    [
        ("proxy_conn_requests", "proxy_conn_requests_total"), ("proxy_conn_errors", "proxy_conn_errors_total"),
        ("proxy_conn_oom", "proxy_conn_oom_total"), ("proxy_req_active", "proxy_req_active"),
        ("proxy_config_reloads", "proxy_config_reloads_total"), ("proxy_config_reload_fails", "proxy_config_reload_fails_total"),
        ("proxy_config_cron_runs", "proxy_config_cron_runs_total"), ("proxy_config_cron_fails", "proxy_config_cron_fails_total"),
        ("proxy_backend_total", "proxy_backend_total"), ("proxy_backend_marked_bad", "proxy_backend_marked_bad_total"),
        ("proxy_backend_failed", "proxy_backend_failed"), ("proxy_request_failed_depth", "proxy_request_failed_depth_total"),
        ("round_robin_fallback", "round_robin_fallback_total"), ("unexpected_napi_ids", "unexpected_napi_ids_total"),
    ];

    private static readonly (string Key, string Metric)[] GeneralStats =
    [
        ("bytes", "current_bytes"), ("limit_maxbytes", "limit_bytes"), ("curr_items", "current_items"), ("total_items", "items_total"),
        ("bytes_read", "read_bytes_total"), ("bytes_written", "written_bytes_total"), ("curr_connections", "current_connections"),
        ("total_connections", "connections_total"), ("rejected_connections", "connections_rejected_total"),
        ("conn_yields", "connections_yielded_total"), ("listen_disabled_num", "connections_listener_disabled_total"),
        ("evictions", "items_evicted_total"), ("reclaimed", "items_reclaimed_total"), ("store_too_large", "item_too_large_total"),
        ("store_no_memory", "item_no_memory_total"), ("lru_crawler_starts", "lru_crawler_starts_total"),
        ("direct_reclaims", "direct_reclaims_total"), ("crawler_items_checked", "lru_crawler_items_checked_total"),
        ("crawler_reclaimed", "lru_crawler_reclaimed_total"), ("moves_to_cold", "lru_crawler_moves_to_cold_total"),
        ("moves_to_warm", "lru_crawler_moves_to_warm_total"), ("moves_within_lru", "lru_crawler_moves_within_lru_total"),
        ("total_malloced", "malloced_bytes"), ("accepting_conns", "accepting_connections"),
    ];

    private static readonly (string Key, string Metric)[] ItemCounters =
    [
        ("crawler_reclaimed", "slab_items_crawler_reclaimed_total"), ("evicted", "slab_items_evicted_total"),
        ("evicted_nonzero", "slab_items_evicted_nonzero_total"), ("evicted_time", "slab_items_evicted_time_seconds"),
        ("evicted_unfetched", "slab_items_evicted_unfetched_total"), ("expired_unfetched", "slab_items_expired_unfetched_total"),
        ("outofmemory", "slab_items_outofmemory_total"), ("reclaimed", "slab_items_reclaimed_total"),
        ("tailrepairs", "slab_items_tailrepairs_total"), ("mem_requested", "slab_mem_requested_bytes"),
        ("moves_to_cold", "slab_items_moves_to_cold"), ("moves_to_warm", "slab_items_moves_to_warm"),
        ("moves_within_lru", "slab_items_moves_within_lru"),
        ("number_hot", "slab_hot_items"), ("number_warm", "slab_warm_items"), ("number_cold", "slab_cold_items"),
        ("number_temp", "slab_temporary_items"), ("age_hot", "slab_hot_age_seconds"), ("age_warm", "slab_warm_age_seconds"),
    ];

    private static readonly (string Key, string Metric)[] SlabGauges =
    [
        ("chunk_size", "slab_chunk_size_bytes"), ("chunks_per_page", "slab_chunks_per_page"), ("total_pages", "slab_current_pages"),
        ("total_chunks", "slab_current_chunks"), ("used_chunks", "slab_chunks_used"), ("free_chunks", "slab_chunks_free"),
        ("free_chunks_end", "slab_chunks_free_end"), ("mem_requested", "slab_mem_requested_bytes"),
    ];

    private static readonly (string Key, string Metric)[] LruSettings =
    [
        ("lru_crawler_sleep", "lru_crawler_sleep"), ("lru_crawler_tocrawl", "lru_crawler_to_crawl"),
        ("hot_lru_pct", "lru_crawler_hot_percent"), ("warm_lru_pct", "lru_crawler_warm_percent"),
        ("hot_max_factor", "lru_crawler_hot_max_factor"), ("warm_max_factor", "lru_crawler_warm_max_factor"),
    ];

    private MemcachedExporterScrape()
    {
    }

    /// <summary>memcached_up.</summary>
    public bool Up { get; private set; } = true;

    /// <summary>Why the scrape would report the server down.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The exported samples, as <c>memcached_name{label="value",...}</c> → value.</summary>
    public Dictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>The exported metric names (without labels).</summary>
    public IEnumerable<string> MetricNames => Metrics.Keys.Select(k => k.Split('{')[0]).Distinct().Order(StringComparer.Ordinal);

    /// <param name="timeout">The exporter's <c>--memcached.timeout</c> (1 s by default) bounds each call.</param>
    public static async Task<MemcachedExporterScrape> ScrapeAsync(int port, bool enableSlab, TimeSpan timeout)
    {
        var scrape = new MemcachedExporterScrape();
        ServerStats? stats = null;
        Dictionary<string, string>? settings = null;
        try
        {
            stats = await StatsAsync(port, timeout);
        }
        catch (Exception e) when (e is ScrapeException or IOException or SocketException or OperationCanceledException)
        {
            scrape.Fail("stats: " + e.Message);
        }
        try
        {
            settings = await SettingsAsync(port, timeout);
        }
        catch (Exception e) when (e is ScrapeException or IOException or SocketException or OperationCanceledException)
        {
            scrape.Fail("stats settings: " + e.Message);
        }
        if (stats is not null)
        {
            scrape.ParseStats(stats, enableSlab);
        }
        if (settings is not null)
        {
            scrape.ParseSettings(settings);
        }
        scrape.Metrics["memcached_up"] = scrape.Up ? 1 : 0;
        return scrape;
    }

    private void ParseStats(ServerStats server, bool enableSlab)
    {
        Dictionary<string, string> s = server.Stats;
        Metrics[Sample("version", ("version", s.GetValueOrDefault("version", "")))] = 1;
        foreach (string op in Operations)
        {
            Number(s, op + "_hits", "commands_total", ("command", op), ("status", "hit"));
            Number(s, op + "_misses", "commands_total", ("command", op), ("status", "miss"));
        }
        Number(s, "uptime", "uptime_seconds");
        Number(s, "time", "time_seconds");
        Number(s, "cas_badval", "commands_total", ("command", "cas"), ("status", "badval"));
        Number(s, "cmd_flush", "commands_total", ("command", "flush"), ("status", "hit"));
        // memcached counts cas in cmd_set again; the exporter takes it out, so all four are required.
        if (Required(s, "cmd_set") is { } set && Sum(s, "cas_misses", "cas_hits", "cas_badval") is { } cas)
        {
            Metrics[Sample("commands_total", ("command", "set"), ("status", "hit"))] = set - cas;
        }
        if (s.ContainsKey("extstore_limit_maxbytes"))
        {
            foreach ((string key, string metric) in ExtstoreStats)
            {
                Number(s, key, metric);
            }
        }
        if (s.ContainsKey("proxy_backend_total"))
        {
            foreach ((string key, string metric) in ProxyStats)
            {
                Number(s, key, metric);
            }
        }
        Timeval(s, "rusage_user", "process_user_cpu_seconds_total");
        Timeval(s, "rusage_system", "process_system_cpu_seconds_total");
        foreach ((string key, string metric) in GeneralStats)
        {
            Number(s, key, metric);
        }

        foreach ((int id, Dictionary<string, string> item) in server.Items)
        {
            string slab = id.ToString(CultureInfo.InvariantCulture);
            Number(item, "number", "slab_current_items", ("slab", slab));
            Number(item, "age", "slab_items_age_seconds", ("slab", slab));
            foreach ((string lru, string label) in new[] { ("hot", "hot"), ("warm", "warm"), ("cold", "cold"), ("temp", "temporary") })
            {
                Number(item, "hits_to_" + lru, "slab_lru_hits_total", ("slab", slab), ("lru", label));
            }
            foreach ((string key, string metric) in ItemCounters)
            {
                Number(item, key, metric, ("slab", slab));
            }
        }

        if (!enableSlab)
        {
            return;
        }
        foreach ((int id, Dictionary<string, string> slabStats) in server.Slabs)
        {
            string slab = id.ToString(CultureInfo.InvariantCulture);
            foreach (string op in Operations)
            {
                Number(slabStats, op + "_hits", "slab_commands_total", ("slab", slab), ("command", op), ("status", "hit"));
            }
            Number(slabStats, "cas_badval", "slab_commands_total", ("slab", slab), ("command", "cas"), ("status", "badval"));
            if (Required(slabStats, "cmd_set") is { } slabSet && Sum(slabStats, "cas_hits", "cas_badval") is { } slabCas)
            {
                Metrics[Sample("slab_commands_total", ("slab", slab), ("command", "set"), ("status", "hit"))] = slabSet - slabCas;
            }
            foreach ((string key, string metric) in SlabGauges)
            {
                Number(slabStats, key, metric, ("slab", slab));
            }
        }
    }

    private void ParseSettings(Dictionary<string, string> settings)
    {
        Number(settings, "maxconns", "max_connections");
        if (settings.GetValueOrDefault("lru_crawler") == "yes")
        {
            Bool(settings, "lru_crawler", "lru_crawler_enabled");
            Bool(settings, "lru_maintainer_thread", "lru_crawler_maintainer_thread");
            foreach ((string key, string metric) in LruSettings)
            {
                Number(settings, key, metric);
            }
        }
    }

    private void Number(Dictionary<string, string> stats, string key, string metric, params (string Name, string Value)[] labels)
    {
        if (!stats.TryGetValue(key, out string? text))
        {
            return;
        }
        if (ParseFloat(text) is { } value)
        {
            Metrics[Sample(metric, labels)] = value;
        }
        else
        {
            Fail($"{key}: '{text}' is not a number");
        }
    }

    private double? Required(Dictionary<string, string> stats, string key)
    {
        if (stats.TryGetValue(key, out string? text) && ParseFloat(text) is { } value)
        {
            return value;
        }
        Fail($"{key}: missing or not a number");
        return null;
    }

    private double? Sum(Dictionary<string, string> stats, params string[] keys)
    {
        double sum = 0;
        foreach (string key in keys)
        {
            if (Required(stats, key) is not { } value)
            {
                return null;
            }
            sum += value;
        }
        return sum;
    }

    private void Timeval(Dictionary<string, string> stats, string key, string metric)
    {
        if (!stats.TryGetValue(key, out string? text))
        {
            return;
        }
        string[] parts = text.Split('.');
        if (parts.Length == 2 && ParseFloat(parts[0]) is { } seconds && ParseFloat(parts[1]) is { } micros)
        {
            Metrics[Sample(metric)] = seconds + micros / 1e6;
        }
        else
        {
            Fail($"{key}: '{text}' is not a timeval");
        }
    }

    private void Bool(Dictionary<string, string> settings, string key, string metric)
    {
        if (!settings.TryGetValue(key, out string? text))
        {
            return;
        }
        if (text is "yes" or "no")
        {
            Metrics[Sample(metric)] = text == "yes" ? 1 : 0;
        }
        else
        {
            Fail($"{key}: '{text}' is not yes or no");
        }
    }

    private void Fail(string reason)
    {
        Up = false;
        Errors.Add(reason);
    }

    private static string Sample(string metric, params (string Name, string Value)[] labels) =>
        "memcached_" + metric + (labels.Length == 0 ? "" : "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\"")) + "}");

    /// <summary>Go's strconv.ParseFloat for the forms servers write: optional sign, digits, point, exponent, inf, nan.</summary>
    private static double? ParseFloat(string text)
    {
        string lower = text.ToLowerInvariant().TrimStart('+', '-');
        if (lower is "inf" or "infinity" or "nan")
        {
            return text.StartsWith('-') ? double.NegativeInfinity : lower == "nan" ? double.NaN : double.PositiveInfinity;
        }
        const NumberStyles goFloat = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        return double.TryParse(text, goFloat, CultureInfo.InvariantCulture, out double value) ? value : null;
    }

    private sealed record ServerStats(Dictionary<string, string> Stats, Dictionary<int, Dictionary<string, string>> Slabs,
        Dictionary<int, Dictionary<string, string>> Items);

    private sealed class ScrapeException(string message) : Exception(message);

    private static async Task<ServerStats> StatsAsync(int port, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using LineConnection connection = await LineConnection.OpenAsync(port, cts.Token);
        var stats = new ServerStats(new(StringComparer.Ordinal), [], []);
        foreach (string command in new[] { "stats", "stats slabs", "stats items" })
        {
            await connection.WriteAsync(command + "\r\n", cts.Token);
            string line = await connection.ReadLineAsync(cts.Token);
            if (line.StartsWith("CLIENT_ERROR ", StringComparison.Ordinal))
            {
                throw new ScrapeException("client error: " + line[13..^2]);
            }
            while (line != "END\r\n")
            {
                string[] fields = line.Split(' ');
                if (fields.Length == 3 && fields[0].StartsWith("STAT", StringComparison.Ordinal))
                {
                    string[] name = fields[1].Split(':');
                    string value = fields[2].Trim();
                    switch (name.Length)
                    {
                        case 1:
                            stats.Stats[fields[1]] = value;
                            break;
                        case 2:
                            Group(stats.Slabs, SlabId(name[0], line))[name[1]] = value;
                            break;
                        case 3:
                            Group(stats.Items, SlabId(name[1], line))[name[2]] = value;
                            break;
                    }
                }
                line = await connection.ReadLineAsync(cts.Token);
            }
        }
        return stats;
    }

    private static async Task<Dictionary<string, string>> SettingsAsync(int port, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using LineConnection connection = await LineConnection.OpenAsync(port, cts.Token);
        await connection.WriteAsync("stats settings\r\n", cts.Token);
        string line = await connection.ReadLineAsync(cts.Token);
        if (line.StartsWith("CLIENT_ERROR ", StringComparison.Ordinal))
        {
            throw new ScrapeException("client error: " + line[13..^2]);
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        while (line != "END\r\n")
        {
            string[] fields = line.Split(' ');
            settings[fields.Length is 3 or 4 ? fields[1] : throw new ScrapeException($"unexpected stats line format '{line}'")] =
                fields.Length == 3 ? fields[2].Trim() : fields[2].Trim() + "-" + fields[2].Trim();
            line = await connection.ReadLineAsync(cts.Token);
        }
        return settings;
    }

    private static int SlabId(string text, string line) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long id)
            ? (int)id
            : throw new ScrapeException($"slab id '{text}' in '{line}' is not an integer");

    private static Dictionary<string, string> Group(Dictionary<int, Dictionary<string, string>> groups, int id)
    {
        if (!groups.TryGetValue(id, out Dictionary<string, string>? group))
        {
            groups[id] = group = new Dictionary<string, string>(StringComparer.Ordinal);
        }
        return group;
    }

    /// <summary>A connection read as Go's bufio.Reader.ReadSlice('\n') reads: lines keep their terminator.</summary>
    private sealed class LineConnection : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        private LineConnection(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<LineConnection> OpenAsync(int port, CancellationToken cancellationToken)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            return new LineConnection(client);
        }

        public async Task WriteAsync(string text, CancellationToken cancellationToken) =>
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    string line = Encoding.Latin1.GetString(_buffer, _start, newline + 1 - _start);
                    _start = newline + 1;
                    return line;
                }
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (read == 0)
                {
                    throw new IOException("EOF");
                }
                _end += read;
            }
        }

        public ValueTask DisposeAsync()
        {
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

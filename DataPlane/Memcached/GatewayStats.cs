using System.Net;

namespace Mnemo.DataPlane;

/// <summary>
/// Gateway-wide counters and connection gauges. Each connection counts into its own
/// <see cref="ConnectionCounters"/> (no shared cache lines on the request path); reading a counter
/// sums the live connections and those already closed.
/// </summary>
internal sealed class GatewayStats
{
    private static readonly string[] Names =
    [
        "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta", "get_hits", "get_misses", "delete_misses", "delete_hits",
        "incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits",
        "touch_misses", "store_too_large", "store_no_memory", "bytes_read", "bytes_written", "total_items",
    ];

    public static int CounterCount => Names.Length;

    private readonly Lock _lock = new();
    private readonly HashSet<ConnectionCounters> _live = [];
    private readonly long[] _closed = new long[Names.Length];
    private readonly long[] _baseline = new long[Names.Length];
    private long _currentConnections;
    private long _totalConnections;
    private long _rejectedConnections;
    private long _connectionsBaseline;
    private long _rejectedBaseline;
    private volatile bool _detailEnabled;

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public long CurrentConnections => Volatile.Read(ref _currentConnections);
    public long TotalConnections => Volatile.Read(ref _totalConnections) - Volatile.Read(ref _connectionsBaseline);
    public long RejectedConnections => Volatile.Read(ref _rejectedConnections) - Volatile.Read(ref _rejectedBaseline);

    /// <summary><c>stats detail on|off</c>. Reported in <c>stats settings</c>; no per-prefix figures are
    /// collected, so <c>stats detail dump</c> lists none.</summary>
    public bool DetailEnabled
    {
        get => _detailEnabled;
        set => _detailEnabled = value;
    }

    public static string Name(Counter counter) => Names[(int)counter];

    public long this[Counter counter]
    {
        get
        {
            lock (_lock)
            {
                return Total((int)counter) - _baseline[(int)counter];
            }
        }
    }

    /// <summary>The counter since the gateway started, <c>stats reset</c> or not: what a metrics scraper needs (it only grows).</summary>
    public long Cumulative(Counter counter)
    {
        lock (_lock)
        {
            return Total((int)counter);
        }
    }

    /// <summary>Counts a new connection unless the limit is reached; returns its counters, or null when refused.
    /// The endpoints, when given, are what <c>stats conns</c> shows as <c>listen_addr</c> and <c>addr</c>.</summary>
    public ConnectionCounters? TryOpenConnection(int maxConnections, EndPoint? local = null, EndPoint? remote = null)
    {
        if (Interlocked.Increment(ref _currentConnections) > maxConnections)
        {
            Interlocked.Decrement(ref _currentConnections);
            Interlocked.Increment(ref _rejectedConnections);
            return null;
        }
        long id = Interlocked.Increment(ref _totalConnections);
        var counters = new ConnectionCounters(Names.Length, id, local, remote);
        lock (_lock)
        {
            _live.Add(counters);
        }
        return counters;
    }

    public void CloseConnection(ConnectionCounters counters)
    {
        lock (_lock)
        {
            _live.Remove(counters);
            for (int i = 0; i < _closed.Length; i++)
            {
                _closed[i] += counters.Read(i);
            }
        }
        Interlocked.Decrement(ref _currentConnections);
    }

    /// <summary>The open connections, oldest first.</summary>
    public IReadOnlyList<ConnectionCounters> OpenConnections()
    {
        lock (_lock)
        {
            return _live.OrderBy(c => c.Id).ToArray();
        }
    }

    /// <summary><c>stats reset</c>: counters (total and rejected connections among them, as in memcached)
    /// restart from zero; gauges such as curr_connections are not counters.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Volatile.Write(ref _connectionsBaseline, Volatile.Read(ref _totalConnections));
            Volatile.Write(ref _rejectedBaseline, Volatile.Read(ref _rejectedConnections));
            for (int i = 0; i < _baseline.Length; i++)
            {
                _baseline[i] = Total(i);
            }
        }
    }

    private long Total(int index)
    {
        long total = _closed[index];
        foreach (ConnectionCounters counters in _live)
        {
            total += counters.Read(index);
        }
        return total;
    }
}

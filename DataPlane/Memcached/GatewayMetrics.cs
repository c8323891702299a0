using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mnemo.DataPlane;

/// <summary>
/// One memcached gateway's meters, tagged with its Memshack: commands, hits and misses by command (read from
/// the gateway's own <c>stats</c> counters when scraped, so counting costs the request path nothing more), open
/// connections, and each command's duration from parsing to its reply in the output buffer. A duration is
/// recorded with tags built once per gateway: no allocation per command.
/// </summary>
internal sealed class GatewayMetrics : IDisposable
{
    private static readonly ConcurrentDictionary<GatewayMetrics, byte> Live = new();
    private static readonly Meter Meter = new(DataPlaneMetrics.MeterName);
    private static readonly KeyValuePair<string, object?> TextTag = new("protocol", "text");
    private static readonly KeyValuePair<string, object?> BinaryTag = new("protocol", "binary");

    private static readonly (Counter Counter, string Command)[] Commands =
        [(Counter.CmdGet, "get"), (Counter.CmdSet, "set"), (Counter.CmdTouch, "touch"), (Counter.CmdFlush, "flush"), (Counter.CmdMeta, "meta")];

    private static readonly (Counter Hits, Counter Misses, string Command)[] Outcomes =
    [
        (Counter.GetHits, Counter.GetMisses, "get"), (Counter.DeleteHits, Counter.DeleteMisses, "delete"), (Counter.IncrHits, Counter.IncrMisses, "incr"),
        (Counter.DecrHits, Counter.DecrMisses, "decr"), (Counter.CasHits, Counter.CasMisses, "cas"), (Counter.TouchHits, Counter.TouchMisses, "touch"),
    ];

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("mnemo.gateway.command.duration", "s",
        "Time a memcached gateway took for a command, from parsing to its reply in the output buffer (the store call included, the socket write not)",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        });

    static GatewayMetrics()
    {
        Meter.CreateObservableCounter("mnemo.gateway.commands",
            () => Live.Keys.SelectMany(g => Commands.Select(c => g.Measure(g._stats.Cumulative(c.Counter), c.Command))), "{command}",
            "Commands a memcached gateway served, by command as memcached's stats count them (cmd_get counts keys)");
        Meter.CreateObservableCounter("mnemo.gateway.hits",
            () => Live.Keys.SelectMany(g => Outcomes.Select(o => g.Measure(g._stats.Cumulative(o.Hits), o.Command))), "{command}",
            "Commands that found their key, by command");
        Meter.CreateObservableCounter("mnemo.gateway.misses",
            () => Live.Keys.SelectMany(g => Outcomes.Select(o => g.Measure(g._stats.Cumulative(o.Misses), o.Command))), "{command}",
            "Commands that did not find their key, by command");
        Meter.CreateObservableUpDownCounter("mnemo.gateway.connections",
            () => Live.Keys.Select(g => new Measurement<long>(g._stats.CurrentConnections, g._memshack)), "{connection}",
            "Open client connections of a memcached gateway");
    }

    private readonly GatewayStats _stats;
    private readonly KeyValuePair<string, object?> _memshack;

    public GatewayMetrics(GatewayStats stats, string memshack)
    {
        _stats = stats;
        _memshack = new("memshack", memshack);
        Live[this] = 0;
    }

    /// <summary>Records the duration of a command that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void RecordCommand(long startTimestamp, bool binary)
    {
        if (Duration.Enabled)
            Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _memshack, binary ? BinaryTag : TextTag);
    }

    public void Dispose() => Live.TryRemove(this, out _);

    private Measurement<long> Measure(long value, string command) => new(value, _memshack, new KeyValuePair<string, object?>("command", command));
}

using System.Diagnostics;

namespace Mnemo.OrleansBench;

/// <summary>
/// Raw timings of one measured path: each operation's latency and the whole run's wall time in
/// <see cref="Stopwatch"/> ticks, and the bytes the process allocated meanwhile. A grain returns it
/// from inside the cluster, hence serializable.
/// </summary>
[GenerateSerializer, Alias("orleans-bench.Measurement")]
public sealed record Measurement(long[] LatencyTicks, long ElapsedTicks, long AllocatedBytes)
{
    public int Operations => LatencyTicks.Length;

    public double OpsPerSecond => Operations / (ElapsedTicks / (double)Stopwatch.Frequency);

    /// <summary>
    /// Process-wide: callers, callees and the runtime share this process, so this counts both ends of a
    /// call (and a little background work), not the caller alone.
    /// </summary>
    public double AllocatedBytesPerOp => (double)AllocatedBytes / Operations;

    /// <summary>Chunks of one path (run in pieces so progress can be shown) make one measurement.</summary>
    public static Measurement Concat(IReadOnlyList<Measurement> parts) =>
        new(parts.SelectMany(p => p.LatencyTicks).ToArray(), parts.Sum(p => p.ElapsedTicks), parts.Sum(p => p.AllocatedBytes));

    /// <summary>Nearest-rank percentiles in microseconds.</summary>
    public Percentiles Latency()
    {
        long[] sorted = (long[])LatencyTicks.Clone();
        Array.Sort(sorted);
        return new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99));
    }

    private static double Rank(long[] sorted, double quantile)
    {
        int index = Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1e6 / Stopwatch.Frequency;
    }
}

public readonly record struct Percentiles(double P50, double P90, double P99);

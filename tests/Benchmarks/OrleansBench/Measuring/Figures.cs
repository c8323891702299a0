using System.Globalization;

namespace Mnemo.OrleansBench;

/// <summary>Prints figures as `key value unit` lines, the format every Mnemo benchmark shares.</summary>
internal static class Figures
{
    public static void Line(string key, double value, string format, string unit) =>
        Console.WriteLine($"{key} {value.ToString(format, CultureInfo.InvariantCulture)} {unit}");

    public static void Line(string key, string value, string unit) => Console.WriteLine($"{key} {value} {unit}");

    public static void Comment(string text) => Console.WriteLine($"# {text}");

    /// <summary>One `summary:` line from <paramref name="parts"/>, formatted invariantly (split only to keep source lines short).</summary>
    public static void Summary(params FormattableString[] parts) =>
        Console.WriteLine("summary: " + string.Concat(parts.Select(FormattableString.Invariant)));

    /// <summary>Percentiles, rate and allocation of one path, all keyed by <paramref name="name"/>.</summary>
    public static void Path(string name, Measurement measurement, string rateUnit)
    {
        Percentiles latency = measurement.Latency();
        Line($"{name}_p50", latency.P50, "0.00", "us");
        Line($"{name}_p90", latency.P90, "0.00", "us");
        Line($"{name}_p99", latency.P99, "0.00", "us");
        Line($"{name}_rate", measurement.OpsPerSecond, "0", rateUnit);
        // Process-wide: both ends of every call live in this process (see Measurement.AllocatedBytesPerOp).
        Line($"{name}_allocated", measurement.AllocatedBytesPerOp, "0.0", "bytes/op");
    }
}

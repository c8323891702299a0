using System.Globalization;

namespace Mnemo.Runtime.Transport;

/// <summary>The <c>grpc-timeout</c> header: at most 8 digits followed by a unit (H M S m u n).</summary>
public static class GrpcTimeout
{
    public const string HeaderName = "grpc-timeout";

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
            return false;
        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            return false;
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * TimeSpan.TicksPerMicrosecond,
            'n' => amount / 100,
            _ => null,
        };
        if (ticks is null)
            return false;
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>Milliseconds, rounded up so a short deadline never becomes zero; falls back to
    /// seconds when the value would exceed the 8 digits the header allows.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ms = Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds));
        return ms < 100_000_000
            ? ms.ToString(CultureInfo.InvariantCulture) + "m"
            : Math.Min(99_999_999, ms / 1000).ToString(CultureInfo.InvariantCulture) + "S";
    }
}

namespace Mnemo.KubeApiServer;

/// <summary>Ages as kubectl shows them (k8s.io/apimachinery/pkg/util/duration.HumanDuration): <c>42s</c>, <c>5m12s</c>, <c>3h</c>, <c>2d</c>.</summary>
internal static class HumanDuration
{
    public static string Since(string? timestamp) =>
        ObjectMeta.ParseTimestamp(timestamp) is { } time ? Format(DateTimeOffset.UtcNow - time) : "<unknown>";

    public static string Format(TimeSpan age)
    {
        // Up to two seconds in the future is clock skew, not an error.
        long seconds = (long)Math.Floor(age.TotalSeconds);
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        long minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }
        if (minutes < 180)
        {
            return $"{minutes}m";
        }
        long hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            long days = hours / 24 % 365;
            return days == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{days}d";
        }
        return $"{hours / 24 / 365}y";
    }
}

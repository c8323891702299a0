namespace Mnemo.Api;

/// <summary>The API's times to live as memcached exptimes, whose values above 30 days mean a unix time.</summary>
public static class Ttl
{
    private const long MaxRelativeSeconds = 30 * 24 * 3600;

    /// <summary>The exptime of an item living <paramref name="seconds"/> from now (0: no expiry); INVALID_ARGUMENT when negative.</summary>
    public static long ToExptime(long seconds, string field) => seconds switch
    {
        < 0 => throw ApiErrors.BadField(field, "a time to live is 0 (no expiry) or more seconds"),
        <= MaxRelativeSeconds => seconds,
        _ => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + seconds,
    };
}

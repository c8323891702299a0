
namespace Mnemo.DataPlane;

/// <summary>
/// Which of two replica replies is worse, in mcrouter's order (<c>resultSeverity</c> in
/// mcrouter/lib/McResUtil.h): success (stored, deleted, found, and also <c>exists</c>) &lt; miss
/// (<c>notfound</c>, <c>notstored</c>) &lt; transport failure (timeout, connect error) &lt; bad key or
/// value &lt; remote (server) error &lt; local error &lt; client error. A fan-out answers with its worst
/// reply; on a tie the first one stays.
/// </summary>
public static class ReplySeverity
{
    public static int Of(CacheStatus status) => status switch
    {
        CacheStatus.Ok or CacheStatus.Exists => 1,
        CacheStatus.NotFound or CacheStatus.NotStored => 4,
        // The replica did not answer: mcrouter's timeout / connect_error / tko.
        CacheStatus.Unavailable => 5,
        CacheStatus.BadKey => 6,
        // memcached answers these with SERVER_ERROR, which mcrouter reads as remote_error.
        CacheStatus.TooLarge or CacheStatus.NoMemory => 7,
        // Our own buffer was too small: a local error, not the replica's.
        CacheStatus.BufferTooSmall => 8,
        // memcached answers CLIENT_ERROR (non-numeric value): mcrouter's client_error.
        CacheStatus.NonNumeric => 9,
        _ => 10,
    };

    /// <summary>mcrouter's <c>worseThan</c>: strictly more severe.</summary>
    public static bool WorseThan(CacheStatus first, CacheStatus second) => Of(first) > Of(second);
}

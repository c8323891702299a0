namespace Mnemo.DataPlane;

/// <summary>
/// The outcome of an <see cref="IAsyncCacheStore"/> operation. Which fields carry meaning depends on
/// the operation: reads fill <see cref="Info"/>, stores report the new <see cref="Cas"/>, incr/decr
/// report the new <see cref="Number"/> and <see cref="Cas"/>.
/// </summary>
public readonly record struct CacheResult(CacheStatus Status, CacheItemInfo Info = default, ulong Cas = 0, ulong Number = 0)
{
    public static CacheResult Unavailable => new(CacheStatus.Unavailable);
}

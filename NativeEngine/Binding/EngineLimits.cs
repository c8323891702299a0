namespace Mnemo.NativeEngine;

/// <summary>Fixed limits of the engine's C ABI (mnemo_engine.h).</summary>
public static class EngineLimits
{
    public const int KeyMax = 250;
    public const int RegionNameMax = 63;
    public const uint ItemSizeMaxDefault = 1024 * 1024;

    /// <summary>Largest relative exptime in seconds; larger values are absolute unix times (memcached rule).</summary>
    public const long RelativeExptimeMax = 60 * 60 * 24 * 30;
}

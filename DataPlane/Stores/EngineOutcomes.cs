using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>Engine item outcomes in cache terms, and cache options in engine terms.</summary>
public static class EngineOutcomes
{
    public static CacheStatus ToCacheStatus(EngineStatus status) => status switch
    {
        EngineStatus.Ok => CacheStatus.Ok,
        EngineStatus.NotFound => CacheStatus.NotFound,
        EngineStatus.Exists => CacheStatus.Exists,
        EngineStatus.NotStored => CacheStatus.NotStored,
        EngineStatus.TooLarge => CacheStatus.TooLarge,
        EngineStatus.NoMemory => CacheStatus.NoMemory,
        EngineStatus.NonNumeric => CacheStatus.NonNumeric,
        EngineStatus.BadKey => CacheStatus.BadKey,
        EngineStatus.BufferTooSmall => CacheStatus.BufferTooSmall,
        _ => CacheStatus.Unavailable,
    };

    public static CacheItemInfo ToInfo(in ItemInfo item) =>
        new(item.Flags, item.ValueLength, item.Exptime, item.Cas, item.LastAccess, item.Fetched, (CacheItemState)item.State);

    public static ReadOptions ToEngine(in CacheReadOptions options) => new()
    {
        TouchExptime = options.TouchExptime, VivifyExptime = options.VivifyExptime, RecacheBelow = options.RecacheBelow, CasNew = options.CasNew,
        Lease = options.Lease, ExptimeBeforeTouch = options.ExptimeBeforeTouch, TouchBeforeVivify = options.TouchBeforeVivify,
        RecacheBeforeTouch = options.RecacheBeforeTouch, NoValue = options.NoValue,
    };

    public static WriteOptions ToEngine(in CacheWriteOptions options) => new()
    {
        CasIn = options.CasIn, CasNew = options.CasNew, Invalidate = options.Invalidate, Exptime = options.Exptime, Stale = options.Stale,
        Ordered = options.Ordered, Advance = options.Advance,
    };
}

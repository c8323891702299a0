namespace Mnemo.NativeEngine;

/// <summary>How to open (or create) a pool.</summary>
public sealed record PoolOptions
{
    /// <summary>File or device path of the pool.</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes when the pool is created; ignored for devdax, whose size is the device's.</summary>
    public ulong Capacity { get; init; }

    public DeviceMode Mode { get; init; } = DeviceMode.Emulation;

    /// <summary>Create the pool when it does not exist.</summary>
    public bool Create { get; init; }

    /// <summary>When full, fail stores with <see cref="EngineStatus.NoMemory"/> instead of evicting LRU items.</summary>
    public bool NoEvict { get; init; }

    /// <summary>Largest item in bytes; 0 means <see cref="EngineLimits.ItemSizeMaxDefault"/>.</summary>
    public uint ItemSizeMax { get; init; }
}

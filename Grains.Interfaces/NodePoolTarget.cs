namespace Mnemo.Grains.Interfaces;

/// <summary>What a MemoryMachine asks of one node: its pool's size (bytes, or a percentage of the node's device: the
/// filesystem holding the pool for emulation and fsdax, the device for devdax), device mode and place, and the silo's log level.</summary>
/// <param name="CapacityBytes">The pool size in bytes; null when <paramref name="CapacityPercent"/> is given.</param>
/// <param name="CapacityPercent">1..100 of the node's device; null when <paramref name="CapacityBytes"/> is given.</param>
/// <param name="DeviceMode">emulation, fsdax or devdax.</param>
/// <param name="PoolPath">The folder holding the pool file (emulation, fsdax) or the device (devdax); null: wherever the silo opened it.</param>
/// <param name="LogLevel">The silo's minimum log level (Trace, Debug, Information, Warning, Error or Critical); null: left as it is.</param>
[GenerateSerializer, Immutable, Alias("mnemo.NodePoolTarget")]
public sealed record NodePoolTarget(long? CapacityBytes, int? CapacityPercent, string DeviceMode, string? PoolPath = null, string? LogLevel = null);

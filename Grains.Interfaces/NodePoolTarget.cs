namespace Mnemo.Grains.Interfaces;

/// <summary>What a MemoryMachine asks of one node's pool: its size (bytes, or a percentage of the node's device:
/// the filesystem holding the pool for emulation and fsdax, the device for devdax) and its device mode.</summary>
/// <param name="CapacityBytes">The pool size in bytes; null when <paramref name="CapacityPercent"/> is given.</param>
/// <param name="CapacityPercent">1..100 of the node's device; null when <paramref name="CapacityBytes"/> is given.</param>
/// <param name="DeviceMode">emulation, fsdax or devdax.</param>
[GenerateSerializer, Immutable, Alias("mnemo.NodePoolTarget")]
public sealed record NodePoolTarget(long? CapacityBytes, int? CapacityPercent, string DeviceMode);

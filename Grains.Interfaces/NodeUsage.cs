namespace Mnemo.Grains.Interfaces;

/// <summary>Usage of one node's memory pool.</summary>
/// <param name="DeviceMode">emulation, fsdax or devdax.</param>
/// <param name="CapacityBytes">The whole pool.</param>
/// <param name="DataCapacityBytes">What items can use (the capacity less metadata).</param>
/// <param name="UsedBytes">Slab chunks holding live or retained items.</param>
[GenerateSerializer, Immutable, Alias("mnemo.NodeUsage")]
public sealed record NodeUsage(
    string NodeName,
    string DeviceMode,
    ulong CapacityBytes,
    ulong DataCapacityBytes,
    ulong UsedBytes,
    ulong Items,
    ulong SnapshotRetainedBytes,
    RegionUsage[] Regions);

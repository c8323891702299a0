namespace Mnemo.Grains.Interfaces;

/// <summary>Usage of one region of a node's pool.</summary>
[GenerateSerializer, Immutable, Alias("mnemo.RegionUsage")]
public sealed record RegionUsage(string Name, ulong Items, ulong ItemBytes, ulong UsedBytes, ulong Snapshots, ulong SnapshotRetainedBytes);

namespace Mnemo.Grains.Interfaces;

/// <summary>One node's memory pool. Key = node name; the activation always lives on the silo of
/// that node (the only process that has the pool open), and a call for a node whose silo is down
/// fails rather than activating elsewhere.</summary>
[Alias("mnemo.NodeMemory")]
public interface INodeMemoryGrain : IGrainWithStringKey
{
    [Alias("GetUsage")]
    Task<NodeUsage> GetUsageAsync();

    [Alias("ListRegions")]
    Task<RegionUsage[]> ListRegionsAsync();

    /// <summary>Creates an empty region; fails when the name is taken.</summary>
    [Alias("CreateRegion")]
    Task<RegionUsage> CreateRegionAsync(string name);

    /// <summary>Deletes the region with its items and snapshots; false when there is none.</summary>
    [Alias("DropRegion")]
    Task<bool> DropRegionAsync(string name);

    /// <summary>Brings the pool to <paramref name="target"/> while it serves: a larger size grows it live; a size below
    /// what it uses, another device mode, or a smaller size (pools do not shrink) is refused, and the state says why.</summary>
    [Alias("ApplyPoolTarget")]
    Task<NodePoolState> ApplyPoolTargetAsync(NodePoolTarget target);
}

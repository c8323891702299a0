using Mnemo.Grains.NodeMemory;
using Mnemo.Runtime;

namespace Mnemo.Grains;

/// <summary>One node's memory pool. Key = node name; the activation always lives on the silo of
/// that node, because it is the only process that has the pool open.</summary>
[GrainType("node-memory")]
[NodePinnedPlacement]
public interface INodeMemoryGrain : IGrainWithStringKey
{
    Task<NodeUsage> GetUsageAsync();

    Task<IReadOnlyList<RegionUsage>> ListRegionsAsync();

    /// <summary>Creates an empty region; fails when the name is taken.</summary>
    Task<RegionUsage> CreateRegionAsync(string name);

    /// <summary>Deletes the region with its items and snapshots; false when there is none.</summary>
    Task<bool> DropRegionAsync(string name);
}

using Mnemo.NativeEngine;
using Mnemo.Runtime;

namespace Mnemo.Grains.NodeMemory;

/// <summary>Reports and manages the regions of this node's pool.</summary>
public sealed class NodeMemoryGrain(NodePool nodePool) : Grain, INodeMemoryGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Node-pinned placement should make this impossible; a mismatch would report another node's pool.
        if (!string.Equals(GetPrimaryKeyString(), nodePool.NodeName, StringComparison.Ordinal))
            throw new InvalidOperationException($"NodeMemoryGrain '{GetPrimaryKeyString()}' activated on node '{nodePool.NodeName}'");
        return Task.CompletedTask;
    }

    public Task<NodeUsage> GetUsageAsync()
    {
        var stats = nodePool.Pool.GetStats();
        var usage = new NodeUsage
        {
            NodeName = nodePool.NodeName,
            DeviceMode = stats.DeviceMode.ToString().ToLowerInvariant(),
            CapacityBytes = stats.Capacity,
            DataCapacityBytes = stats.DataCapacity,
            UsedBytes = stats.BytesUsed,
            Items = stats.Items,
            SnapshotRetainedBytes = stats.SnapshotRetainedBytes,
        };
        usage.Regions.AddRange(nodePool.Pool.ListRegions().Select(ToUsage));
        return Task.FromResult(usage);
    }

    public Task<IReadOnlyList<RegionUsage>> ListRegionsAsync() =>
        Task.FromResult<IReadOnlyList<RegionUsage>>(nodePool.Pool.ListRegions().Select(ToUsage).ToList());

    public Task<RegionUsage> CreateRegionAsync(string name)
    {
        var region = nodePool.Pool.CreateRegion(name);
        return Task.FromResult(ToUsage(nodePool.Pool.GetRegionStats(region)));
    }

    public Task<bool> DropRegionAsync(string name)
    {
        if (nodePool.Pool.FindRegion(name) is not { } region)
            return Task.FromResult(false);
        nodePool.Pool.DropRegion(region);
        return Task.FromResult(true);
    }

    private static RegionUsage ToUsage(RegionStats stats) => new()
    {
        Name = stats.Name,
        Items = stats.Items,
        ItemBytes = stats.ItemBytes,
        UsedBytes = stats.BytesUsed,
        Snapshots = stats.Snapshots,
        SnapshotRetainedBytes = stats.SnapshotRetainedBytes,
    };
}

using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Reports and manages the regions of this node's pool.</summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeMemoryGrain(NodePool nodePool, INodeLogLevel logLevel) : Grain, INodeMemoryGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<NodeUsage> GetUsageAsync()
    {
        PoolStats stats = nodePool.Pool.GetStats();
        return Task.FromResult(new NodeUsage(
            nodePool.NodeName,
            stats.DeviceMode.ToString().ToLowerInvariant(),
            stats.Capacity,
            stats.DataCapacity,
            stats.BytesUsed,
            stats.Items,
            stats.SnapshotRetainedBytes,
            ListRegions()));
    }

    public Task<RegionUsage[]> ListRegionsAsync() => Task.FromResult(ListRegions());

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

    public Task<NodePoolState> ApplyPoolTargetAsync(NodePoolTarget target)
    {
        // The level is the silo's, not the pool's: it is switched even when the pool refuses the rest of the target.
        if (target.LogLevel is { } level)
            logLevel.Set(Enum.Parse<LogLevel>(level));
        return Task.FromResult(NodePoolResizer.Apply(nodePool, target) with { LogLevel = logLevel.Current.ToString() });
    }

    private RegionUsage[] ListRegions() => nodePool.Pool.ListRegions().Select(ToUsage).ToArray();

    private static RegionUsage ToUsage(RegionStats stats) =>
        new(stats.Name, stats.Items, stats.ItemBytes, stats.BytesUsed, stats.Snapshots, stats.SnapshotRetainedBytes);
}

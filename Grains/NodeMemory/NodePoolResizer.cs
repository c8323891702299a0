using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;

namespace Mnemo.Grains;

/// <summary>
/// Applies a MemoryMachine's <see cref="NodePoolTarget"/> to the node's open pool: a larger size grows it while it
/// serves (<see cref="EnginePool.Grow"/>); anything the pool cannot do live (a shrink, another device mode, another
/// place) is refused with a reason, and the pool stays as it is, data included.
/// </summary>
public static class NodePoolResizer
{
    public const string Ready = "PoolReady";
    public const string Grown = "PoolGrown";
    public const string ShrinkBelowUsed = "ShrinkBelowUsed";
    public const string ShrinkUnsupported = "ShrinkUnsupported";
    public const string DeviceModeChangeRefused = "DeviceModeChangeRefused";
    public const string DeviceModeChangeNeedsRestart = "DeviceModeChangeNeedsRestart";
    public const string PoolPathChangeRefused = "PoolPathChangeRefused";
    public const string PoolPathChangeNeedsRestart = "PoolPathChangeNeedsRestart";
    public const string GrowFailed = "GrowFailed";

    public static NodePoolState Apply(NodePool nodePool, NodePoolTarget target)
    {
        EnginePool pool = nodePool.Pool;
        PoolStats stats = pool.GetStats();
        string mode = ModeName(stats);
        if (!string.Equals(target.DeviceMode, mode, StringComparison.OrdinalIgnoreCase))
        {
            IReadOnlyList<RegionStats> regions = pool.ListRegions();
            return regions.Count > 0 || stats.Items > 0
                ? State(nodePool, false, DeviceModeChangeRefused,
                    $"the pool is {mode} and holds {regions.Count} regions ({stats.Items} items); it is not switched to {target.DeviceMode}")
                : State(nodePool, false, DeviceModeChangeNeedsRestart,
                    $"the pool is {mode}; {target.DeviceMode} takes a silo restart with --device-mode {target.DeviceMode}");
        }
        if (target.PoolPath is { } asked && Place(pool, stats) is var place && !string.Equals(Normalized(asked), place, StringComparison.Ordinal))
        {
            // An open pool cannot move: its file or device stays mapped while it serves.
            IReadOnlyList<RegionStats> regions = pool.ListRegions();
            return regions.Count > 0 || stats.Items > 0
                ? State(nodePool, false, PoolPathChangeRefused,
                    $"node {nodePool.NodeName}'s pool is in {place} and holds {regions.Count} regions ({stats.Items} items); it is not moved to {asked}")
                : State(nodePool, false, PoolPathChangeNeedsRestart,
                    $"node {nodePool.NodeName}'s pool is in {place}; {asked} takes a silo restart with --pool-path in {asked}");
        }

        long desired = target.CapacityBytes ?? DeviceBytes(pool, stats) / 100 * target.CapacityPercent.GetValueOrDefault(100);
        long capacity = (long)stats.Capacity, used = (long)stats.BytesUsed;
        if (desired < used)
            return State(nodePool, false, ShrinkBelowUsed, $"{desired} bytes asked, but {used} bytes are in use; the pool keeps {capacity} bytes");
        if (desired < capacity)
            return State(nodePool, false, ShrinkUnsupported, $"{desired} bytes asked; pools grow live but do not shrink, so it keeps {capacity} bytes");
        if (desired == capacity)
            return State(nodePool, true, Ready, $"{capacity} bytes");
        try
        {
            pool.Grow(desired);
        }
        catch (EngineException error)
        {
            return State(nodePool, false, GrowFailed, error.EngineMessage ?? error.Message);
        }
        return State(nodePool, true, Grown, $"grown from {capacity} to {desired} bytes");
    }

    /// <summary>emulation, fsdax or devdax, as <see cref="NodeUsage.DeviceMode"/> names it.</summary>
    private static string ModeName(PoolStats stats) => stats.DeviceMode.ToString().ToLowerInvariant();

    /// <summary>What a percentage is of: the device for devdax (the pool's capacity), else the filesystem holding the pool file.</summary>
    private static long DeviceBytes(EnginePool pool, PoolStats stats) =>
        stats.DeviceMode == DeviceMode.DevDax
            ? (long)stats.Capacity
            : new DriveInfo(PoolFolder(pool)).TotalSize;

    /// <summary>Where the pool is, as a MemoryMachine's <c>poolPath</c> names it: the device for devdax, else the folder holding the pool file.</summary>
    private static string Place(EnginePool pool, PoolStats stats) =>
        Normalized(stats.DeviceMode == DeviceMode.DevDax ? pool.Options.Path : PoolFolder(pool));

    private static string PoolFolder(EnginePool pool) => Path.GetDirectoryName(Path.GetFullPath(pool.Options.Path)) ?? "/";

    private static string Normalized(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    private static NodePoolState State(NodePool nodePool, bool ready, string reason, string message)
    {
        PoolStats stats = nodePool.Pool.GetStats();
        IReadOnlyList<RegionStats> regions = nodePool.Pool.ListRegions();
        return new NodePoolState(nodePool.NodeName, ready, reason, message, (long)stats.Capacity, (long)stats.BytesUsed, regions.Count,
            regions.Sum(r => (int)r.Snapshots), ModeName(stats));
    }
}

using Mnemo.NativeEngine;

namespace Mnemo.PoolTool;

/// <summary>Everything <c>mnemo-pool info</c> shows, read from the pool once and rendered as a table or JSON.</summary>
internal sealed record PoolReport(
    string Path,
    string Mode,
    ulong Capacity,
    ulong DataCapacity,
    ulong BytesUsed,
    ulong ItemBytes,
    ulong Items,
    ulong IndexBytes,
    ulong ItemSizeMax,
    ulong Evictions,
    ulong Hits,
    ulong Misses,
    ulong Snapshots,
    ulong SnapshotRetainedBytes,
    double RecoveryMilliseconds,
    IReadOnlyList<RegionReport> Regions,
    IReadOnlyList<SlabReport> SlabClasses)
{
    public static PoolReport Read(EnginePool pool)
    {
        PoolStats stats = pool.GetStats();
        var regions = pool.ListRegions()
            .Select(r => new RegionReport(r.Id, r.Name, r.Items, r.ItemBytes, r.BytesUsed, r.Snapshots, r.SnapshotRetainedBytes, r.Epoch))
            .ToList();
        var slabs = pool.GetSlabStats()
            .Select(s => new SlabReport(s.ClassId, s.ChunkSize, s.Pages, s.ChunksUsed, s.ChunksTotal, s.Evictions))
            .ToList();

        return new PoolReport(
            pool.Options.Path,
            DeviceModeNames.Format(stats.DeviceMode),
            stats.Capacity,
            stats.DataCapacity,
            stats.BytesUsed,
            stats.ItemBytes,
            stats.Items,
            stats.IndexBytes,
            stats.ItemSizeMax,
            stats.Evictions,
            stats.Hits,
            stats.Misses,
            stats.Snapshots,
            stats.SnapshotRetainedBytes,
            stats.RecoveryTime.TotalMilliseconds,
            regions,
            slabs);
    }
}

internal sealed record RegionReport(uint Id, string Name, ulong Items, ulong ItemBytes, ulong BytesUsed, ulong Snapshots,
    ulong SnapshotRetainedBytes, ulong Epoch);

internal sealed record SlabReport(int ClassId, int ChunkSize, ulong Pages, ulong ChunksUsed, ulong ChunksTotal, ulong Evictions);


namespace Mnemo.NativeEngine;

public sealed partial class EnginePool
{
    /// <summary>Creates a region; throws <see cref="EngineException"/> with <see cref="EngineStatus.Exists"/> when the name is taken.</summary>
    public unsafe Region CreateRegion(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        uint id;
        EngineStatus status = NativeMethods.RegionCreate(_handle, name, &id);
        ThrowUnlessOk("mnemo_region_create", status);
        return new Region(id, name);
    }

    /// <summary>The region called <paramref name="name"/>, or null when there is none.</summary>
    public unsafe Region? FindRegion(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        uint id;
        EngineStatus status = NativeMethods.RegionFind(_handle, name, &id);
        if (status == EngineStatus.NotFound)
        {
            return null;
        }
        ThrowUnlessOk("mnemo_region_find", status);
        return new Region(id, name);
    }

    /// <summary>The region called <paramref name="name"/>, created when missing (also when another thread races to create it).</summary>
    public Region GetOrCreateRegion(string name)
    {
        if (FindRegion(name) is { } existing)
        {
            return existing;
        }
        try
        {
            return CreateRegion(name);
        }
        catch (EngineException e) when (e.Status == EngineStatus.Exists)
        {
            // Another thread created it after our lookup.
            if (FindRegion(name) is { } created)
            {
                return created;
            }
            throw;
        }
    }

    /// <summary>Deletes the region with its items and snapshots.</summary>
    public void DropRegion(Region region)
    {
        EngineStatus status = NativeMethods.RegionDrop(_handle, region.Id);
        ThrowUnlessOk("mnemo_region_drop", status);
    }

    /// <summary>Every region with its stats.</summary>
    public unsafe IReadOnlyList<RegionStats> ListRegions() =>
        ReadTable<RegionStats>("mnemo_region_list", initialCapacity: 16,
            (items, capacity, count) => NativeMethods.RegionList(_handle, items, capacity, count));

    public unsafe RegionStats GetRegionStats(Region region)
    {
        RegionStats stats;
        EngineStatus status = NativeMethods.RegionStatsGet(_handle, region.Id, &stats);
        ThrowUnlessOk("mnemo_region_stats_get", status);
        return stats;
    }
}

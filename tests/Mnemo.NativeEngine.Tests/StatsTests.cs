using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class StatsTests
{
    [Fact]
    public void Pool_stats_count_items_hits_misses_and_regions()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region a = pool.CreateRegion("a");
        Region b = pool.CreateRegion("b");
        pool.Set(a, "x", "1");
        pool.Set(a, "y", "2");
        pool.Set(b, "x", "3");
        pool.GetString(a, "x");
        pool.GetString(b, "missing");

        PoolStats stats = pool.GetStats();

        Assert.Equal(3UL, stats.Items);
        Assert.Equal(2UL, stats.Regions);
        Assert.Equal(1UL, stats.Hits);
        Assert.Equal(1UL, stats.Misses);
        Assert.True(stats.ItemBytes > 0);
        Assert.True(stats.BytesUsed >= stats.ItemBytes);
        Assert.True(stats.IndexBytes > 0);
        Assert.True(stats.SlabClasses > 0);
    }

    [Fact]
    public void Slab_stats_show_the_classes_items_went_to()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("r");
        for (int i = 0; i < 20; i++)
        {
            pool.Store(region, StoreMode.Set, $"small{i}".Utf8(), new byte[10], 0, 0, out _);
            pool.Store(region, StoreMode.Set, $"large{i}".Utf8(), new byte[50_000], 0, 0, out _);
        }

        IReadOnlyList<SlabStats> slabs = pool.GetSlabStats();

        Assert.Equal(pool.GetStats().SlabClasses, slabs.Count);
        Assert.Equal(slabs.Select(s => s.ChunkSize).Order(), slabs.Select(s => s.ChunkSize));
        Assert.Equal(40UL, (ulong)slabs.Sum(s => (long)s.ChunksUsed));
        Assert.Equal(20UL, (ulong)slabs.Where(s => s.ChunkSize < 1000).Sum(s => (long)s.ChunksUsed));
        Assert.Equal(20UL, (ulong)slabs.Where(s => s.ChunkSize >= 50_000).Sum(s => (long)s.ChunksUsed));
        Assert.All(slabs, s => Assert.True(s.ChunksUsed <= s.ChunksTotal));
    }
}

using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class RegionTests : IDisposable
{
    private readonly TempPool _scratch = new();
    private readonly EnginePool _pool;

    public RegionTests() => _pool = _scratch.Open();

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void Regions_are_independent_keyspaces()
    {
        Region a = _pool.CreateRegion("a");
        Region b = _pool.CreateRegion("b");
        Assert.NotEqual(a.Id, b.Id);

        _pool.Set(a, "k", "in-a");
        _pool.Set(b, "k", "in-b");
        _pool.Delete(a, "k"u8);

        Assert.Null(_pool.GetString(a, "k"));
        Assert.Equal("in-b", _pool.GetString(b, "k"));
    }

    [Fact]
    public void ScanVersions_visits_the_tombstones_of_ordered_deletes_that_Scan_skips()
    {
        Region region = _pool.CreateRegion("versions");
        _pool.Set(region, "kept", "v");
        _pool.Set(region, "gone", "v");
        Assert.Equal(EngineStatus.Ok, _pool.Delete(region, "gone"u8, new WriteOptions { CasNew = 1UL << 60, Ordered = true }));

        var live = new List<string>();
        _pool.Scan(region, EnginePool.LiveView, (key, _, in _) =>
        {
            live.Add(System.Text.Encoding.ASCII.GetString(key));
            return true;
        });
        var versions = new List<(string Key, ulong Cas, ItemState State, int ValueLength)>();
        _pool.ScanVersions(region, (key, value, in info) =>
        {
            versions.Add((System.Text.Encoding.ASCII.GetString(key), info.Cas, info.State, value.Length));
            return true;
        });

        Assert.Equal(["kept"], live);
        Assert.Equal(2, versions.Count);
        Assert.Contains(("gone", 1UL << 60, ItemState.Tombstone, 0), versions);
        Assert.Contains(versions, v => v.Key == "kept" && v.State == ItemState.None && v.ValueLength == 1);
    }

    [Fact]
    public void Create_find_and_get_or_create()
    {
        Assert.Null(_pool.FindRegion("cache"));

        Region created = _pool.CreateRegion("cache");
        Assert.Equal(new Region(created.Id, "cache"), _pool.FindRegion("cache"));
        Assert.Equal(created, _pool.GetOrCreateRegion("cache"));

        Region fresh = _pool.GetOrCreateRegion("fresh");
        Assert.NotEqual(created.Id, fresh.Id);
        Assert.Equal(fresh, _pool.FindRegion("fresh"));
    }

    [Fact]
    public void Creating_a_taken_name_throws_Exists()
    {
        _pool.CreateRegion("dup");
        var error = Assert.Throws<EngineException>(() => _pool.CreateRegion("dup"));
        Assert.Equal(EngineStatus.Exists, error.Status);
    }

    [Fact]
    public void Names_longer_than_the_limit_are_rejected_with_a_message()
    {
        var error = Assert.Throws<EngineException>(() => _pool.CreateRegion(new string('r', EngineLimits.RegionNameMax + 1)));
        Assert.False(string.IsNullOrWhiteSpace(error.EngineMessage));

        Region longest = _pool.CreateRegion(new string('r', EngineLimits.RegionNameMax));
        Assert.Equal(new string('r', EngineLimits.RegionNameMax), _pool.GetRegionStats(longest).Name);
    }

    [Fact]
    public void Drop_removes_the_region_and_its_items()
    {
        Region doomed = _pool.CreateRegion("doomed");
        _pool.Set(doomed, "k", "v");

        _pool.DropRegion(doomed);

        Assert.Null(_pool.FindRegion("doomed"));
        Assert.DoesNotContain(_pool.ListRegions(), r => r.Name == "doomed");
        Assert.Equal(0UL, _pool.GetStats().Items);
        Region again = _pool.CreateRegion("doomed");
        Assert.Null(_pool.GetString(again, "k"));
    }

    [Fact]
    public void List_and_stats_report_per_region_usage()
    {
        Region a = _pool.CreateRegion("alpha");
        Region b = _pool.CreateRegion("beta");
        for (int i = 0; i < 10; i++)
        {
            _pool.Set(a, $"k{i}", "value");
        }
        _pool.Set(b, "k", "value");
        _pool.GetString(a, "k0");
        _pool.GetString(a, "missing");

        IReadOnlyList<RegionStats> regions = _pool.ListRegions();
        RegionStats alpha = Assert.Single(regions, r => r.Name == "alpha");
        RegionStats beta = Assert.Single(regions, r => r.Name == "beta");
        Assert.Equal(a, alpha.Region);
        Assert.Equal(10UL, alpha.Items);
        Assert.Equal(1UL, beta.Items);
        Assert.True(alpha.ItemBytes > beta.ItemBytes);

        RegionStats stats = _pool.GetRegionStats(a);
        Assert.Equal(10UL, stats.Items);
        Assert.Equal(10UL, stats.CmdSet);
        Assert.Equal(2UL, stats.CmdGet);
        Assert.Equal(1UL, stats.Hits);
        Assert.Equal(1UL, stats.Misses);
        Assert.True(stats.BytesUsed >= stats.ItemBytes);
    }

    [Fact]
    public void Listing_more_regions_than_the_first_buffer_holds_returns_them_all()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"region-{i:D2}").ToList();
        foreach (string name in names)
        {
            _pool.CreateRegion(name);
        }

        Assert.Equal(names, _pool.ListRegions().Select(r => r.Name).Where(n => n.StartsWith("region-")).Order());
    }

    [Fact]
    public void Item_operations_on_a_dropped_region_answer_NotFound()
    {
        Region gone = _pool.CreateRegion("gone");
        _pool.DropRegion(gone);

        Assert.Equal(EngineStatus.NotFound, _pool.Set(gone, "k", "v"));
        Assert.Equal(EngineStatus.NotFound, _pool.TryGet(gone, "k"u8, new byte[4], out _, out _));
        Assert.Equal(EngineStatus.NotFound, _pool.Delete(gone, "k"u8));
    }

    [Fact]
    public void Stats_of_a_dropped_region_throw()
    {
        Region gone = _pool.CreateRegion("gone");
        _pool.DropRegion(gone);
        var error = Assert.Throws<EngineException>(() => _pool.GetRegionStats(gone));
        Assert.Equal(EngineStatus.NotFound, error.Status);
    }
}

using System.Text;
using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class SnapshotTests : IDisposable
{
    private readonly TempPool _scratch = new();
    private readonly EnginePool _pool;
    private readonly Region _region;

    public SnapshotTests()
    {
        _pool = _scratch.Open();
        _region = _pool.CreateRegion("snap");
    }

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void Restore_brings_back_exactly_the_snapshot_state()
    {
        _pool.Set(_region, "kept", "v1");
        _pool.Set(_region, "changed", "before");
        ulong snapshot = _pool.CreateSnapshot(_region);

        _pool.Set(_region, "changed", "after");
        _pool.Set(_region, "added", "new");
        _pool.Delete(_region, "kept"u8);

        _pool.RestoreSnapshot(_region, snapshot);

        Assert.Equal("v1", _pool.GetString(_region, "kept"));
        Assert.Equal("before", _pool.GetString(_region, "changed"));
        Assert.Null(_pool.GetString(_region, "added"));
    }

    [Fact]
    public void List_reports_snapshots_with_their_contents_and_delete_removes_them()
    {
        _pool.Set(_region, "a", "1");
        ulong first = _pool.CreateSnapshot(_region);
        _pool.Set(_region, "b", "2");
        ulong second = _pool.CreateSnapshot(_region);
        Assert.True(second > first);

        IReadOnlyList<SnapshotInfo> snapshots = _pool.ListSnapshots(_region);
        Assert.Equal([first, second], snapshots.Select(s => s.Id));
        Assert.Equal([1UL, 2UL], snapshots.Select(s => s.Items));
        Assert.All(snapshots, s => Assert.InRange(s.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(2UL, _pool.GetRegionStats(_region).Snapshots);

        _pool.DeleteSnapshot(_region, first);
        Assert.Equal([second], _pool.ListSnapshots(_region).Select(s => s.Id));
        Assert.Throws<EngineException>(() => _pool.RestoreSnapshot(_region, first));
    }

    [Fact]
    public void Snapshot_keeps_old_versions_which_count_as_retained_bytes()
    {
        _pool.Set(_region, "k", new string('x', 1000));
        ulong snapshot = _pool.CreateSnapshot(_region);
        _pool.Set(_region, "k", new string('y', 1000));

        Assert.True(_pool.GetStats().SnapshotRetainedBytes > 0);

        _pool.DeleteSnapshot(_region, snapshot);
        Assert.Equal(0UL, _pool.GetRegionStats(_region).SnapshotRetainedBytes);
    }

    [Fact]
    public void Export_then_import_into_another_pool_reproduces_the_items()
    {
        _pool.Set(_region, "a", "alpha", flags: 5);
        _pool.Set(_region, "b", "beta");
        ulong snapshot = _pool.CreateSnapshot(_region);
        _pool.Set(_region, "c", "not in the snapshot");
        string exportPath = Path.Combine(_scratch.Folder, "snap.export");

        _pool.ExportSnapshot(_region, snapshot, exportPath);
        Assert.True(new FileInfo(exportPath).Length > 0);

        using var otherScratch = new TempPool();
        using EnginePool other = otherScratch.Open();
        Region target = other.CreateRegion("restored");
        other.Set(target, "stale", "replaced by the import");

        ulong imported = other.ImportSnapshot(target, exportPath);

        Assert.Equal("alpha", other.GetString(target, "a", out ItemInfo info));
        Assert.Equal(5u, info.Flags);
        Assert.Equal("beta", other.GetString(target, "b"));
        Assert.Null(other.GetString(target, "c"));
        Assert.Null(other.GetString(target, "stale"));
        Assert.Contains(other.ListSnapshots(target), s => s.Id == imported && s.Items == 2);
    }

    [Fact]
    public void Importing_a_damaged_file_throws_Corrupt_and_keeps_the_region()
    {
        _pool.Set(_region, "a", "alpha");
        ulong snapshot = _pool.CreateSnapshot(_region);
        string exportPath = Path.Combine(_scratch.Folder, "snap.export");
        _pool.ExportSnapshot(_region, snapshot, exportPath);

        byte[] bytes = File.ReadAllBytes(exportPath);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(exportPath, bytes);
        _pool.Set(_region, "live", "still here");

        var error = Assert.Throws<EngineException>(() => _pool.ImportSnapshot(_region, exportPath));
        Assert.Equal(EngineStatus.Corrupt, error.Status);
        Assert.False(string.IsNullOrWhiteSpace(error.EngineMessage));
        Assert.Equal("still here", _pool.GetString(_region, "live"));
    }

    [Fact]
    public void Export_to_an_unwritable_path_throws_with_the_engines_message()
    {
        ulong snapshot = _pool.CreateSnapshot(_region);
        var error = Assert.Throws<EngineException>(
            () => _pool.ExportSnapshot(_region, snapshot, Path.Combine(_scratch.Folder, "no-such-folder", "x.export")));
        Assert.Equal(EngineStatus.Io, error.Status);
        Assert.False(string.IsNullOrWhiteSpace(error.EngineMessage));
    }

    [Fact]
    public void Scan_visits_every_live_item_with_its_info()
    {
        for (int i = 0; i < 100; i++)
        {
            _pool.Set(_region, $"key{i}", $"value{i}", flags: (uint)i);
        }

        var seen = new Dictionary<string, (string Value, uint Flags)>();
        _pool.Scan(_region, EnginePool.LiveView, (key, value, in info) =>
        {
            seen.Add(Encoding.UTF8.GetString(key), (Encoding.UTF8.GetString(value), info.Flags));
            return true;
        });

        Assert.Equal(100, seen.Count);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(($"value{i}", (uint)i), seen[$"key{i}"]);
        }
    }

    [Fact]
    public void Scan_of_a_snapshot_sees_the_snapshot_state()
    {
        _pool.Set(_region, "k", "old");
        ulong snapshot = _pool.CreateSnapshot(_region);
        _pool.Set(_region, "k", "new");
        _pool.Set(_region, "later", "x");

        var seen = new List<string>();
        _pool.Scan(_region, snapshot, (key, value, in _) =>
        {
            seen.Add($"{Encoding.UTF8.GetString(key)}={Encoding.UTF8.GetString(value)}");
            return true;
        });

        Assert.Equal(["k=old"], seen);
    }

    [Fact]
    public void Scan_stops_when_the_visitor_says_so()
    {
        for (int i = 0; i < 50; i++)
        {
            _pool.Set(_region, $"key{i}", "v");
        }

        int visits = 0;
        _pool.Scan(_region, EnginePool.LiveView, (_, _, in _) => ++visits < 5);

        Assert.Equal(5, visits);
    }

    [Fact]
    public void Scan_rethrows_the_visitors_exception()
    {
        _pool.Set(_region, "k", "v");

        var error = Assert.Throws<InvalidOperationException>(
            () => _pool.Scan(_region, EnginePool.LiveView, (_, _, in _) => throw new InvalidOperationException("visitor failed")));

        Assert.Equal("visitor failed", error.Message);
        Assert.Equal("v", _pool.GetString(_region, "k"));
    }
}

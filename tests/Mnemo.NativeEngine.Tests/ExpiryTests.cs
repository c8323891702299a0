using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

/// <summary>Expiry, touch, get-and-touch and flush, driven by the engine's clock hook instead of sleeping.</summary>
public sealed class ExpiryTests : IDisposable
{
    private readonly TempPool _scratch = new();
    private readonly EnginePool _pool;
    private readonly Region _region;

    public ExpiryTests()
    {
        _pool = _scratch.Open();
        _region = _pool.CreateRegion("expiry");
    }

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
    }

    // Later calls pass offsets at least as large as the earlier ones, so the tests hold whether the
    // hook sets the offset or adds to it.

    [Fact]
    public void Relative_exptime_expires_the_item()
    {
        _pool.Set(_region, "k", "v", exptime: 10);
        _pool.Set(_region, "forever", "v", exptime: 0);

        _pool.GetString(_region, "k", out ItemInfo info);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(info.Exptime, now + 5, now + 15);

        _pool.AdvanceClock(11);
        Assert.Null(_pool.GetString(_region, "k"));
        Assert.Equal("v", _pool.GetString(_region, "forever"));
    }

    [Fact]
    public void Absolute_exptime_expires_the_item()
    {
        long inOneMinute = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60;
        _pool.Set(_region, "k", "v", exptime: inOneMinute);

        Assert.Equal("v", _pool.GetString(_region, "k", out ItemInfo info));
        Assert.Equal(inOneMinute, info.Exptime);

        _pool.AdvanceClock(120);
        Assert.Null(_pool.GetString(_region, "k"));
    }

    [Fact]
    public void Negative_exptime_is_already_expired()
    {
        Assert.Equal(EngineStatus.Ok, _pool.Set(_region, "k", "v", exptime: -1));
        Assert.Null(_pool.GetString(_region, "k"));
    }

    [Fact]
    public void Touch_extends_the_lifetime()
    {
        _pool.Set(_region, "k", "v", exptime: 10);
        Assert.Equal(EngineStatus.Ok, _pool.Touch(_region, "k"u8, 100));
        Assert.Equal(EngineStatus.NotFound, _pool.Touch(_region, "missing"u8, 100));

        _pool.AdvanceClock(50);
        Assert.Equal("v", _pool.GetString(_region, "k"));

        _pool.AdvanceClock(150);
        Assert.Null(_pool.GetString(_region, "k"));
    }

    [Fact]
    public void Get_and_touch_returns_the_value_and_sets_the_new_exptime()
    {
        _pool.Set(_region, "k", "value", exptime: 10);

        Span<byte> buffer = stackalloc byte[16];
        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "k"u8, buffer, out int length, out _, new ReadOptions { TouchExptime = 1000 }));
        Assert.Equal("value"u8.ToArray(), buffer[..length].ToArray());
        Assert.Equal(EngineStatus.NotFound, _pool.TryGet(_region, "missing"u8, buffer, out _, out _, new ReadOptions { TouchExptime = 1000 }));

        _pool.AdvanceClock(20);
        Assert.Equal("value", _pool.GetString(_region, "k", out ItemInfo info));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(info.Exptime, now + 900, now + 1100);
    }

    [Fact]
    public void Get_and_touch_into_a_writer_grows_it()
    {
        byte[] value = new byte[5000];
        new Random(3).NextBytes(value);
        _pool.Store(_region, StoreMode.Set, "k"u8, value, 0, 10, out _);

        var writer = new System.Buffers.ArrayBufferWriter<byte>(1);
        Assert.Equal(EngineStatus.Ok, _pool.Get(_region, "k"u8, writer, out ItemInfo info, new ReadOptions { TouchExptime = 0 }));
        Assert.Equal(value, writer.WrittenSpan.ToArray());
        Assert.Equal(value.Length, info.ValueLength);

        _pool.AdvanceClock(60);
        Assert.NotNull(_pool.GetString(_region, "k", out ItemInfo after));
        Assert.Equal(0L, after.Exptime);
    }

    [Fact]
    public void Fetched_reports_earlier_reads()
    {
        _pool.Set(_region, "k", "v");
        _pool.GetString(_region, "k", out ItemInfo first);
        _pool.GetString(_region, "k", out ItemInfo second);

        Assert.False(first.Fetched);
        Assert.True(second.Fetched);
    }

    [Fact]
    public void Flush_invalidates_items_stored_before_it_in_that_region_only()
    {
        Region other = _pool.CreateRegion("other");
        _pool.Set(_region, "a", "1");
        _pool.Set(_region, "b", "2");
        _pool.Set(other, "a", "kept");

        _pool.Flush(_region);

        Assert.Null(_pool.GetString(_region, "a"));
        Assert.Null(_pool.GetString(_region, "b"));
        Assert.Equal("kept", _pool.GetString(other, "a"));

        _pool.AdvanceClock(2);
        _pool.Set(_region, "c", "after");
        Assert.Equal("after", _pool.GetString(_region, "c"));
    }

    [Fact]
    public void Flush_empties_the_item_count_at_once_and_a_snapshot_taken_before_keeps_the_items()
    {
        _pool.Set(_region, "a", "1");
        _pool.Set(_region, "b", "2");
        ulong before = _pool.CreateSnapshot(_region);

        _pool.Flush(_region);

        Assert.Equal(0UL, _pool.GetRegionStats(_region).Items);
        Assert.Equal(0UL, _pool.GetRegionStats(_region).ItemBytes);
        _pool.RestoreSnapshot(_region, before);
        Assert.Equal("1", _pool.GetString(_region, "a"));
        Assert.Equal("2", _pool.GetString(_region, "b"));
        Assert.Equal(2UL, _pool.GetRegionStats(_region).Items);
    }

    [Fact]
    public void Delayed_flush_takes_effect_after_the_delay()
    {
        _pool.Set(_region, "k", "v");
        _pool.Flush(_region, delaySeconds: 30);
        Assert.Equal("v", _pool.GetString(_region, "k"));

        _pool.AdvanceClock(31);
        Assert.Null(_pool.GetString(_region, "k"));
    }
}

using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class PoolLifecycleTests
{
    [Fact]
    public void Created_pool_reports_its_capacity_and_mode()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open(capacity: 32UL << 20);

        PoolStats stats = pool.GetStats();
        Assert.Equal(32UL << 20, stats.Capacity);
        Assert.InRange(stats.DataCapacity, 1UL, stats.Capacity - 1);
        Assert.Equal(DeviceMode.Emulation, stats.DeviceMode);
        Assert.Equal(EngineLimits.ItemSizeMaxDefault, stats.ItemSizeMax);
        Assert.Equal(0UL, stats.Items);
    }

    [Fact]
    public void Items_and_regions_survive_close_and_reopen()
    {
        using var scratch = new TempPool();
        using (EnginePool pool = scratch.Open())
        {
            Region sessions = pool.CreateRegion("sessions");
            Assert.Equal(EngineStatus.Ok, pool.Set(sessions, "user:1", "alice", flags: 42));
        }

        using (EnginePool reopened = scratch.Open(create: false))
        {
            Region sessions = Assert.NotNull(reopened.FindRegion("sessions"));
            Assert.Equal("alice", reopened.GetString(sessions, "user:1", out ItemInfo info));
            Assert.Equal(42u, info.Flags);
            Assert.Equal(1UL, reopened.GetStats().Items);
        }
    }

    [Fact]
    public void Opening_a_missing_pool_without_create_fails_with_the_engines_message()
    {
        using var scratch = new TempPool();

        var error = Assert.Throws<EngineException>(() => scratch.Open(create: false));
        Assert.Equal("mnemo_pool_open", error.Operation);
        Assert.False(string.IsNullOrWhiteSpace(error.EngineMessage));
        Assert.Contains(error.EngineMessage!, error.Message);
        Assert.False(File.Exists(scratch.PoolPath));
    }

    [Fact]
    public void A_file_that_is_not_a_pool_is_rejected_and_left_untouched()
    {
        using var scratch = new TempPool();
        byte[] foreign = new byte[4 << 20];
        new Random(7).NextBytes(foreign);
        File.WriteAllBytes(scratch.PoolPath, foreign);

        var error = Assert.Throws<EngineException>(() => scratch.Open(create: true));

        Assert.Equal(EngineStatus.Corrupt, error.Status);
        Assert.False(string.IsNullOrWhiteSpace(error.EngineMessage));
        Assert.Equal(foreign, File.ReadAllBytes(scratch.PoolPath));
    }

    [Fact]
    public void Dispose_twice_is_harmless_and_use_after_dispose_throws_ObjectDisposedException()
    {
        using var scratch = new TempPool();
        EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("r");

        pool.Dispose();
        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pool.Set(region, "k", "v"));
        Assert.Throws<ObjectDisposedException>(() => pool.TryGet(region, "k"u8, new byte[8], out _, out _));
        Assert.Throws<ObjectDisposedException>(() => pool.GetStats());
        Assert.Throws<ObjectDisposedException>(() => pool.CreateRegion("other"));
    }

    [Fact]
    public void Disposed_pool_can_be_opened_again_at_once()
    {
        using var scratch = new TempPool();
        scratch.Open().Dispose();

        using EnginePool again = scratch.Open(create: false);
        Assert.Equal(TempPool.DefaultCapacity, again.GetStats().Capacity);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_engines_reason()
    {
        using var scratch = new TempPool();

        var error = Assert.Throws<EngineException>(() => scratch.Open(itemSizeMax: 100));

        Assert.Equal(EngineStatus.Invalid, error.Status);
        Assert.Contains("item_size_max", error.EngineMessage);
    }

    [Fact]
    public void Open_rejects_options_without_a_path()
    {
        Assert.ThrowsAny<ArgumentException>(() => EnginePool.Open(new PoolOptions { Path = " ", Capacity = 1 << 20, Create = true }));
    }
}

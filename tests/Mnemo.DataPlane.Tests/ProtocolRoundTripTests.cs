using System.Buffers;
using System.Text;
using Mnemo.NativeEngine;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>Every data-plane operation through a real server on loopback, checked against the engine behind it.</summary>
public sealed class ProtocolRoundTripTests : IAsyncLifetime
{
    private static readonly byte[] Region = Bytes.Of(TestNode.RegionName);
    private TestNode _node = null!;
    private PeerConnection _peer = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("node-a");
        _peer = _node.Connect();
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Store_then_get_returns_value_flags_and_cas()
    {
        CacheResult stored = await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("k1"), Bytes.Of("hello"), 42, 0);
        Assert.Equal(CacheStatus.Ok, stored.Status);
        Assert.NotEqual(0UL, stored.Cas);

        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _peer.GetAsync(Region, Bytes.Of("k1"), value);

        Assert.Equal(CacheStatus.Ok, read.Status);
        Assert.Equal("hello", Bytes.Text(value.WrittenSpan));
        Assert.Equal(42u, read.Info.Flags);
        Assert.Equal(stored.Cas, read.Info.Cas);
        Assert.Equal(5, read.Info.ValueLength);
        // The item really is in the server's engine.
        Assert.Equal(EngineStatus.Ok, _node.Pool.TryGet(_node.Region, "k1"u8, new byte[16], out int length, out _));
        Assert.Equal(5, length);
    }

    [Fact]
    public async Task A_get_without_value_ships_only_the_metadata_and_still_touches()
    {
        byte[] large = new byte[200_000];
        Random.Shared.NextBytes(large);
        CacheResult stored = await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("large"), large, 7, 0);

        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _peer.GetAsync(Region, Bytes.Of("large"), value, new CacheReadOptions(TouchExptime: 1000, NoValue: true));

        Assert.Equal(CacheStatus.Ok, read.Status);
        // The response's payload is what the connection writes to the destination: nothing came over the wire.
        Assert.Equal(0, value.WrittenCount);
        Assert.Equal(large.Length, read.Info.ValueLength);
        Assert.Equal(7u, read.Info.Flags);
        Assert.Equal(stored.Cas, read.Info.Cas);
        Assert.NotEqual(0, read.Info.Exptime);
        Assert.Equal(CacheStatus.NotFound, (await _peer.GetAsync(Region, Bytes.Of("absent"), value, new CacheReadOptions(NoValue: true))).Status);

        CacheResult full = await _peer.GetAsync(Region, Bytes.Of("large"), value);
        Assert.Equal(large, value.WrittenSpan.ToArray());
        Assert.True(full.Info.Fetched);
        Assert.Equal(large.Length, full.Info.ValueLength);
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_a_miss_and_writes_nothing()
    {
        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _peer.GetAsync(Region, Bytes.Of("absent"), value);
        Assert.Equal(CacheStatus.NotFound, read.Status);
        Assert.Equal(0, value.WrittenCount);
    }

    [Fact]
    public async Task Large_values_round_trip_whole()
    {
        byte[] big = new byte[300_000];
        new Random(7).NextBytes(big);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("big"), big, 0, 0)).Status);

        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _peer.GetAsync(Region, Bytes.Of("big"), value);

        Assert.Equal(CacheStatus.Ok, read.Status);
        Assert.True(value.WrittenSpan.SequenceEqual(big));
    }

    [Fact]
    public async Task Store_modes_follow_memcached_semantics()
    {
        byte[] key = Bytes.Of("modes");
        Assert.Equal(CacheStatus.NotStored, (await _peer.StoreAsync(Region, CacheStoreMode.Replace, key, Bytes.Of("x"), 0, 0)).Status);
        Assert.Equal(CacheStatus.NotStored, (await _peer.StoreAsync(Region, CacheStoreMode.Append, key, Bytes.Of("x"), 0, 0)).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Add, key, Bytes.Of("b"), 0, 0)).Status);
        Assert.Equal(CacheStatus.NotStored, (await _peer.StoreAsync(Region, CacheStoreMode.Add, key, Bytes.Of("z"), 0, 0)).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Append, key, Bytes.Of("c"), 0, 0)).Status);
        CacheResult prepended = await _peer.StoreAsync(Region, CacheStoreMode.Prepend, key, Bytes.Of("a"), 0, 0);
        Assert.Equal(CacheStatus.Ok, prepended.Status);
        Assert.Equal(CacheStatus.Exists, (await _peer.StoreAsync(Region, CacheStoreMode.Cas, key, Bytes.Of("bad"), 0, 0, new CacheWriteOptions(CasIn: prepended.Cas + 1000))).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Cas, key, Bytes.Of("abc!"), 0, 0, new CacheWriteOptions(CasIn: prepended.Cas))).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Replace, key, Bytes.Of("final"), 3, 0)).Status);

        var value = new ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.Ok, (await _peer.GetAsync(Region, key, value)).Status);
        Assert.Equal("final", Bytes.Text(value.WrittenSpan));
    }

    [Fact]
    public async Task Delete_checks_cas_and_removes_the_item()
    {
        byte[] key = Bytes.Of("del");
        CacheResult stored = await _peer.StoreAsync(Region, CacheStoreMode.Set, key, Bytes.Of("v"), 0, 0);
        Assert.Equal(CacheStatus.Exists, (await _peer.DeleteAsync(Region, key, new CacheWriteOptions(CasIn: stored.Cas + 1))).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.DeleteAsync(Region, key, new CacheWriteOptions(CasIn: stored.Cas))).Status);
        Assert.Equal(CacheStatus.NotFound, (await _peer.DeleteAsync(Region, key)).Status);
        Assert.Equal(CacheStatus.NotFound, (await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>())).Status);
    }

    [Fact]
    public async Task Arithmetic_increments_decrements_and_rejects_non_numbers()
    {
        byte[] key = Bytes.Of("counter");
        Assert.Equal(CacheStatus.NotFound, (await _peer.ArithmeticAsync(Region, key, false, 1)).Status);
        await _peer.StoreAsync(Region, CacheStoreMode.Set, key, Bytes.Of("10"), 0, 0);

        CacheResult up = await _peer.ArithmeticAsync(Region, key, false, 5);
        Assert.Equal((CacheStatus.Ok, 15UL), (up.Status, up.Number));
        CacheResult down = await _peer.ArithmeticAsync(Region, key, true, 100);
        Assert.Equal((CacheStatus.Ok, 0UL), (down.Status, down.Number));
        Assert.NotEqual(0UL, down.Cas);

        await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("text"), Bytes.Of("abc"), 0, 0);
        Assert.Equal(CacheStatus.NonNumeric, (await _peer.ArithmeticAsync(Region, Bytes.Of("text"), false, 1)).Status);
    }

    [Fact]
    public async Task Touch_and_get_and_touch_set_the_exptime()
    {
        byte[] key = Bytes.Of("ttl");
        await _peer.StoreAsync(Region, CacheStoreMode.Set, key, Bytes.Of("v"), 0, 0);
        Assert.Equal(CacheStatus.Ok, (await _peer.TouchAsync(Region, key, 100)).Status);
        Assert.Equal(CacheStatus.NotFound, (await _peer.TouchAsync(Region, Bytes.Of("nope"), 100)).Status);

        var value = new ArrayBufferWriter<byte>();
        CacheResult touched = await _peer.GetAsync(Region, key, value, new CacheReadOptions(TouchExptime: 1000));
        Assert.Equal(CacheStatus.Ok, touched.Status);
        Assert.Equal("v", Bytes.Text(value.WrittenSpan));

        CacheResult read = await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>());
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(read.Info.Exptime, now + 900, now + 1100);

        // Expired by a negative exptime.
        Assert.Equal(CacheStatus.Ok, (await _peer.TouchAsync(Region, key, -1)).Status);
        Assert.Equal(CacheStatus.NotFound, (await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>())).Status);
    }

    [Fact]
    public async Task Lease_and_exptime_before_touch_bits_reach_the_engine()
    {
        byte[] key = Bytes.Of("lease");
        await _peer.StoreAsync(Region, CacheStoreMode.Set, key, Bytes.Of("old"), 0, 1000);
        Assert.Equal(CacheStatus.Ok, (await _peer.DeleteAsync(Region, key, new CacheWriteOptions(Invalidate: true))).Status);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        CacheResult plain = await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>());
        Assert.Equal(CacheItemState.Stale, plain.Info.State);

        var leaseTouch = new CacheReadOptions(TouchExptime: 30, Lease: true, ExptimeBeforeTouch: true);
        CacheResult won = await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>(), leaseTouch);
        Assert.Equal(CacheItemState.Stale | CacheItemState.Won, won.Info.State);
        Assert.InRange(won.Info.Exptime, now + 900, now + 1100);

        _node.Pool.TryGet(_node.Region, key, new byte[16], out _, out ItemInfo stored);
        Assert.Equal(ItemState.Stale | ItemState.TokenSent, stored.State);
        Assert.InRange(stored.Exptime, now + 1, now + 60);
    }

    [Fact]
    public async Task Flag_order_bits_reach_the_engine()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // mg "T60 N30": N, written later, sets the vivified item's exptime.
        var touchThenVivify = new CacheReadOptions(TouchExptime: 60, VivifyExptime: 30, Lease: true, TouchBeforeVivify: true);
        CacheResult vivified = await _peer.GetAsync(Region, Bytes.Of("order-viv"), new ArrayBufferWriter<byte>(), touchThenVivify);
        Assert.Equal(CacheItemState.Vivified | CacheItemState.Won, vivified.Info.State);
        Assert.InRange(vivified.Info.Exptime, now + 25, now + 35);

        // mg "R30 T100" on a 10 s item: R judges the 10 s before the touch and wins.
        byte[] key = Bytes.Of("order-rt");
        await _peer.StoreAsync(Region, CacheStoreMode.Set, key, Bytes.Of("v"), 0, 10);
        var recacheThenTouch = new CacheReadOptions(TouchExptime: 100, RecacheBelow: 30, Lease: true, RecacheBeforeTouch: true);
        CacheResult won = await _peer.GetAsync(Region, key, new ArrayBufferWriter<byte>(), recacheThenTouch);
        Assert.Equal(CacheItemState.Won, won.Info.State);
        Assert.InRange(won.Info.Exptime, now + 95, now + 105);
    }

    [Fact]
    public async Task Flush_invalidates_the_region_and_stats_report_it()
    {
        for (int i = 0; i < 20; i++)
        {
            await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"f{i}"), Bytes.Of("v"), 0, 0);
        }
        (CacheStatus status, CacheStoreStats stats) = await _peer.GetStatsAsync(Region);
        Assert.Equal(CacheStatus.Ok, status);
        Assert.Equal(20UL, stats.CurrentItems);
        Assert.True(stats.LimitMaxBytes > 0);

        Assert.Equal(CacheStatus.Ok, (await _peer.FlushAsync(Region, 0)).Status);

        Assert.Equal(CacheStatus.NotFound, (await _peer.GetAsync(Region, Bytes.Of("f3"), new ArrayBufferWriter<byte>())).Status);
        Assert.Empty(_node.Snapshot());
    }

    [Fact]
    public async Task Scan_streams_every_item_once_in_bounded_chunks()
    {
        var expected = new Dictionary<string, string>();
        for (int i = 0; i < 500; i++)
        {
            string value = new('v', i % 300);
            await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"scan-{i}"), Bytes.Of(value), (uint)i, 0);
            expected[$"scan-{i}"] = value;
        }

        var seen = new Dictionary<string, string>();
        ulong scanId = 0;
        int chunks = 0;
        bool done = false;
        while (!done)
        {
            var items = new ArrayBufferWriter<byte>();
            (CacheStatus status, ulong id, bool last) = await _peer.ScanChunkAsync(Region, scanId, 4096, items);
            Assert.Equal(CacheStatus.Ok, status);
            chunks++;
            Assert.True(items.WrittenCount < 4096 + 1024, $"chunk of {items.WrittenCount} bytes");
            int offset = 0;
            while (ScanItemFormat.TryRead(items.WrittenMemory, ref offset, out ScannedItem item))
            {
                string key = Encoding.UTF8.GetString(item.Key.Span);
                Assert.True(seen.TryAdd(key, Encoding.UTF8.GetString(item.Value.Span)), $"{key} seen twice");
                Assert.Equal(uint.Parse(key["scan-".Length..]), item.Flags);
            }
            Assert.Equal(items.WrittenCount, offset);
            scanId = id;
            done = last;
        }

        Assert.Equal(expected, seen);
        Assert.True(chunks > 5, $"only {chunks} chunks");
    }

    [Fact]
    public async Task Abandoned_scans_release_and_unknown_scans_fail()
    {
        for (int i = 0; i < 100; i++)
        {
            await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"a{i}"), new byte[200], 0, 0);
        }
        (CacheStatus status, ulong id, bool done) = await _peer.ScanChunkAsync(Region, 0, 1024, new ArrayBufferWriter<byte>());
        Assert.Equal(CacheStatus.Ok, status);
        Assert.False(done);

        Assert.Equal(CacheStatus.Ok, (await _peer.ScanChunkAsync(Region, id, 0, new ArrayBufferWriter<byte>())).Status);
        Assert.Equal(CacheStatus.Unavailable, (await _peer.ScanChunkAsync(Region, id, 1024, new ArrayBufferWriter<byte>())).Status);
        // The connection is still usable.
        Assert.Equal(CacheStatus.Ok, (await _peer.GetAsync(Region, Bytes.Of("a1"), new ArrayBufferWriter<byte>())).Status);
    }

    [Fact]
    public async Task Regions_are_addressed_by_name()
    {
        byte[] other = Bytes.Of("another-cache");
        await _peer.StoreAsync(other, CacheStoreMode.Set, Bytes.Of("same"), Bytes.Of("in-other"), 0, 0);
        await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("same"), Bytes.Of("in-shard"), 0, 0);

        var value = new ArrayBufferWriter<byte>();
        await _peer.GetAsync(other, Bytes.Of("same"), value);
        Assert.Equal("in-other", Bytes.Text(value.WrittenSpan));
        Assert.NotNull(_node.Pool.FindRegion("another-cache"));
    }

    [Fact]
    public async Task Bad_keys_and_too_large_values_are_answered_without_breaking_the_connection()
    {
        Assert.Equal(CacheStatus.TooLarge, (await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("huge"), new byte[1_100_000], 0, 0)).Status);
        Assert.Equal(CacheStatus.BadKey, (await _peer.StoreAsync(Region, CacheStoreMode.Set, new byte[251], Bytes.Of("v"), 0, 0)).Status);
        Assert.Equal(CacheStatus.BadKey, (await _peer.GetAsync(Region, Array.Empty<byte>(), new ArrayBufferWriter<byte>())).Status);
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("fine"), Bytes.Of("v"), 0, 0)).Status);
    }
}

using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

/// <summary>Read and write options reach the engine as the C structs expect, and the item state comes back.</summary>
public sealed class LeaseTests : IDisposable
{
    private readonly TempPool _scratch = new();
    private readonly EnginePool _pool;
    private readonly Region _region;

    /// <summary>The read every mg makes: only it hands out wins.</summary>
    private static readonly ReadOptions LeaseRead = new() { Lease = true };

    public LeaseTests()
    {
        _pool = _scratch.Open();
        _region = _pool.CreateRegion("lease");
    }

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void Options_map_to_the_native_bits_and_values()
    {
        NativeReadArgs plain = NativeReadArgs.From(default);
        Assert.Equal(0u, plain.Options);
        Assert.True(new ReadOptions().IsPlain);

        NativeReadArgs read = NativeReadArgs.From(new ReadOptions { TouchExptime = 0, VivifyExptime = 30, RecacheBelow = 5, CasNew = 9 });
        Assert.Equal(NativeReadArgs.Touch | NativeReadArgs.Vivify | NativeReadArgs.Recache, read.Options);
        Assert.False(new ReadOptions { Lease = true }.IsPlain);
        Assert.False(new ReadOptions { ExptimeBeforeTouch = true }.IsPlain);
        Assert.Equal(NativeReadArgs.Lease | NativeReadArgs.ExptimeBeforeTouch,
            NativeReadArgs.From(new ReadOptions { Lease = true, ExptimeBeforeTouch = true }).Options);
        Assert.False(new ReadOptions { TouchBeforeVivify = true }.IsPlain);
        Assert.False(new ReadOptions { RecacheBeforeTouch = true }.IsPlain);
        Assert.Equal(NativeReadArgs.TouchBeforeVivify | NativeReadArgs.RecacheBeforeTouch,
            NativeReadArgs.From(new ReadOptions { TouchBeforeVivify = true, RecacheBeforeTouch = true }).Options);
        Assert.Equal((0L, 30L, 5L, 9UL), (read.TouchExptime, read.VivifyExptime, read.RecacheBelow, read.CasNew));
        Assert.False(new ReadOptions { NoValue = true }.IsPlain);
        Assert.Equal(NativeReadArgs.NoValue, NativeReadArgs.From(new ReadOptions { NoValue = true }).Options);

        NativeWriteArgs write = NativeWriteArgs.From(new WriteOptions { CasIn = 4, CasNew = 8, Invalidate = true, Exptime = 60, Stale = true });
        Assert.Equal(NativeWriteArgs.Invalidate | NativeWriteArgs.SetExptime | NativeWriteArgs.Stale, write.Options);
        Assert.Equal((4UL, 8UL, 60L), (write.CasIn, write.CasNew, write.Exptime));
        Assert.Equal(0u, NativeWriteArgs.From(new WriteOptions { CasIn = 4 }).Options);
    }

    [Fact]
    public void A_read_without_value_asks_the_destination_for_nothing_and_reports_the_length()
    {
        byte[] value = new byte[100_000];
        _pool.Store(_region, StoreMode.Set, "big"u8, value, 3, 0, out ulong cas);
        var destination = new System.Buffers.ArrayBufferWriter<byte>(1);

        Assert.Equal(EngineStatus.Ok, _pool.Get(_region, "big"u8, destination, out ItemInfo info, new ReadOptions { NoValue = true, TouchExptime = 60 }));

        Assert.Equal(0, destination.WrittenCount);
        Assert.Equal(1, destination.Capacity);
        Assert.Equal((value.Length, 3u, cas), (info.ValueLength, info.Flags, info.Cas));
        Assert.NotEqual(0, info.Exptime);
    }

    [Fact]
    public void Vivify_on_a_miss_wins_once_with_the_given_cas()
    {
        Span<byte> buffer = stackalloc byte[16];
        var vivify = new ReadOptions { VivifyExptime = 30, CasNew = 5_000_000 };

        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "k"u8, buffer, out int length, out ItemInfo first, vivify));
        Assert.Equal(0, length);
        Assert.Equal(ItemState.Vivified | ItemState.Won, first.State);
        Assert.Equal(5_000_000UL, first.Cas);

        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "k"u8, buffer, out _, out ItemInfo second, vivify));
        Assert.Equal(ItemState.TokenSent, second.State);

        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, "other"u8, "v"u8, 0, 0, out ulong next));
        Assert.True(next > 5_000_000UL, "the engine's counter moves past an explicit CAS");
        Assert.Equal(EngineStatus.NotFound, _pool.TryGet(_region, "missing"u8, buffer, out _, out _));
    }

    [Fact]
    public void Invalidated_item_is_served_stale_and_won_by_one_reader()
    {
        _pool.Store(_region, StoreMode.Set, "k"u8, "old"u8, 7, 0, out ulong cas);
        Assert.Equal(EngineStatus.Exists, _pool.Delete(_region, "k"u8, new WriteOptions { Invalidate = true, CasIn = cas + 1 }));
        Assert.Equal(EngineStatus.Ok, _pool.Delete(_region, "k"u8, new WriteOptions { Invalidate = true, CasIn = cas, CasNew = cas + 100 }));

        Assert.Equal("old", _pool.GetString(_region, "k", out ItemInfo winner, LeaseRead));
        Assert.Equal(ItemState.Stale | ItemState.Won, winner.State);
        Assert.Equal(cas + 100, winner.Cas);
        Assert.Equal(7u, winner.Flags);
        Assert.Equal("old", _pool.GetString(_region, "k", out ItemInfo loser));
        Assert.Equal(ItemState.Stale | ItemState.TokenSent, loser.State);

        // The winner's late write with the CAS it read before the invalidation lands stale, keeping the token.
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Cas, "k"u8, "late"u8, 0, 0, out _,
            new WriteOptions { CasIn = cas, Invalidate = true }));
        Assert.Equal("late", _pool.GetString(_region, "k", out ItemInfo late));
        Assert.Equal(ItemState.Stale | ItemState.TokenSent, late.State);

        // A fresh store clears everything.
        _pool.Set(_region, "k", "new");
        Assert.Equal("new", _pool.GetString(_region, "k", out ItemInfo fresh));
        Assert.Equal(ItemState.None, fresh.State);
    }

    [Fact]
    public void Recache_wins_when_the_remaining_ttl_is_below_the_threshold()
    {
        _pool.Set(_region, "k", "v", exptime: 100);
        Span<byte> buffer = stackalloc byte[16];

        _pool.TryGet(_region, "k"u8, buffer, out _, out ItemInfo far, new ReadOptions { RecacheBelow = 50, Lease = true });
        Assert.Equal(ItemState.None, far.State);
        _pool.TryGet(_region, "k"u8, buffer, out _, out ItemInfo withoutLease, new ReadOptions { RecacheBelow = 500 });
        Assert.Equal(ItemState.None, withoutLease.State);
        _pool.TryGet(_region, "k"u8, buffer, out _, out ItemInfo near, new ReadOptions { RecacheBelow = 500, Lease = true });
        Assert.Equal(ItemState.Won, near.State);
        _pool.TryGet(_region, "k"u8, buffer, out _, out ItemInfo after, new ReadOptions { RecacheBelow = 500, Lease = true });
        Assert.Equal(ItemState.TokenSent, after.State);
    }

    [Fact]
    public void Plain_and_touching_reads_of_a_stale_item_leave_the_win_to_the_next_lease_read()
    {
        _pool.Set(_region, "k", "old", exptime: 100);
        Assert.Equal(EngineStatus.Ok, _pool.Delete(_region, "k"u8, new WriteOptions { Invalidate = true }));

        Assert.Equal("old", _pool.GetString(_region, "k", out ItemInfo get));
        Assert.Equal(ItemState.Stale, get.State);
        _pool.GetString(_region, "k", out ItemInfo gat, new ReadOptions { TouchExptime = 50 });
        Assert.Equal(ItemState.Stale, gat.State);

        _pool.GetString(_region, "k", out ItemInfo mg, LeaseRead);
        Assert.Equal(ItemState.Stale | ItemState.Won, mg.State);
        _pool.GetString(_region, "k", out ItemInfo next, LeaseRead);
        Assert.Equal(ItemState.Stale | ItemState.TokenSent, next.State);
    }

    [Fact]
    public void A_touching_read_reports_the_exptime_before_the_touch_when_asked()
    {
        _pool.Set(_region, "k", "v", exptime: 1000);
        _pool.GetString(_region, "k", out ItemInfo before);

        _pool.GetString(_region, "k", out ItemInfo reported, new ReadOptions { TouchExptime = 30, ExptimeBeforeTouch = true });
        Assert.Equal(before.Exptime, reported.Exptime);
        _pool.GetString(_region, "k", out ItemInfo touched);
        Assert.InRange(touched.Exptime, 1, reported.LastAccess + 30);

        // Without the option the read reports the new exptime (gat, mg "T t").
        _pool.GetString(_region, "k", out ItemInfo forever, new ReadOptions { TouchExptime = 0 });
        Assert.Equal(0, forever.Exptime);
    }

    [Fact]
    public void The_order_of_touch_vivify_and_recache_reaches_the_engine()
    {
        // mg "T60 N30": the later N sets the vivified item's exptime; "N30 T60": T does.
        _pool.GetString(_region, "tn", out ItemInfo tn, new ReadOptions { TouchExptime = 60, VivifyExptime = 30, TouchBeforeVivify = true });
        Assert.InRange(tn.Exptime, tn.LastAccess + 29, tn.LastAccess + 31);
        _pool.GetString(_region, "nt", out ItemInfo nt, new ReadOptions { TouchExptime = 60, VivifyExptime = 30 });
        Assert.InRange(nt.Exptime, nt.LastAccess + 59, nt.LastAccess + 61);

        // mg "R30 T100" on a 10 s item wins (R saw 10 s); "T100 R30" does not (R saw 100 s).
        var recacheThenTouch = new ReadOptions { Lease = true, RecacheBelow = 30, TouchExptime = 100, RecacheBeforeTouch = true };
        _pool.Set(_region, "rt", "v", exptime: 10);
        _pool.GetString(_region, "rt", out ItemInfo won, recacheThenTouch);
        Assert.Equal(ItemState.Won, won.State);
        _pool.Set(_region, "rt", "v", exptime: 10);
        _pool.GetString(_region, "rt", out ItemInfo touchedFirst, recacheThenTouch with { RecacheBeforeTouch = false });
        Assert.Equal(ItemState.None, touchedFirst.State);
    }

    [Fact]
    public void Stale_copies_and_arith_options_round_trip()
    {
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, "copy"u8, "v"u8, 0, 0, out ulong cas,
            new WriteOptions { Stale = true, CasNew = 6_000_000 }));
        Assert.Equal(6_000_000UL, cas);
        Assert.Equal("v", _pool.GetString(_region, "copy", out ItemInfo copy));
        Assert.Equal(ItemState.Stale, copy.State);

        _pool.Store(_region, StoreMode.Set, "n"u8, "1"u8, 0, 0, out ulong numberCas);
        Assert.Equal(EngineStatus.Exists, _pool.Increment(_region, "n"u8, 1, out _, out _, new WriteOptions { CasIn = numberCas + 1 }));
        Assert.Equal(EngineStatus.Ok, _pool.Increment(_region, "n"u8, 1, out ulong value, out ulong newCas,
            new WriteOptions { CasIn = numberCas, CasNew = 7_000_000 }));
        Assert.Equal((2UL, 7_000_000UL), (value, newCas));
        Assert.Equal(EngineStatus.Ok, _pool.Decrement(_region, "n"u8, 1, out value, out newCas, new WriteOptions { CasIn = newCas }));
        Assert.Equal(1UL, value);
    }

    [Fact]
    public void Unknown_option_combinations_are_refused_with_a_clear_error()
    {
        _pool.Set(_region, "n", "1");
        var exception = Assert.Throws<EngineException>(() =>
            _pool.Increment(_region, "n"u8, 1, out _, out _, new WriteOptions { Invalidate = true }));
        Assert.Equal(EngineStatus.Invalid, exception.Status);
        Assert.Equal("1", _pool.GetString(_region, "n"));
    }
}

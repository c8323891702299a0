using System.Buffers;
using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class ItemTests : IDisposable
{
    private readonly TempPool _scratch = new();
    private readonly EnginePool _pool;
    private readonly Region _region;

    public ItemTests()
    {
        _pool = _scratch.Open();
        _region = _pool.CreateRegion("items");
    }

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void Set_then_get_returns_value_flags_and_cas()
    {
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, "k"u8, "hello"u8, 7, 0, out ulong cas));
        Assert.NotEqual(0UL, cas);

        Span<byte> buffer = stackalloc byte[64];
        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "k"u8, buffer, out int length, out ItemInfo info));
        Assert.Equal("hello"u8.ToArray(), buffer[..length].ToArray());
        Assert.Equal(5, info.ValueLength);
        Assert.Equal(7u, info.Flags);
        Assert.Equal(cas, info.Cas);
        Assert.Equal(0L, info.Exptime);
    }

    [Fact]
    public void Missing_key_is_NotFound()
    {
        Assert.Equal(EngineStatus.NotFound, _pool.TryGet(_region, "nope"u8, new byte[8], out int length, out _));
        Assert.Equal(0, length);
        Assert.Null(_pool.GetString(_region, "nope"));
    }

    [Fact]
    public void Set_overwrites_and_changes_cas()
    {
        _pool.Store(_region, StoreMode.Set, "k", "one", 0, out ulong first);
        _pool.Store(_region, StoreMode.Set, "k", "two", 0, out ulong second);

        Assert.NotEqual(first, second);
        Assert.Equal("two", _pool.GetString(_region, "k"));
    }

    [Fact]
    public void Add_only_stores_missing_keys()
    {
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Add, "k", "first", 0, out _));
        Assert.Equal(EngineStatus.NotStored, _pool.Store(_region, StoreMode.Add, "k", "second", 0, out _));
        Assert.Equal("first", _pool.GetString(_region, "k"));
    }

    [Fact]
    public void Replace_only_stores_existing_keys()
    {
        Assert.Equal(EngineStatus.NotStored, _pool.Store(_region, StoreMode.Replace, "k", "x", 0, out _));
        Assert.Null(_pool.GetString(_region, "k"));

        _pool.Set(_region, "k", "old");
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Replace, "k", "new", 0, out _));
        Assert.Equal("new", _pool.GetString(_region, "k"));
    }

    [Fact]
    public void Append_and_prepend_extend_existing_values_and_keep_flags()
    {
        Assert.Equal(EngineStatus.NotStored, _pool.Store(_region, StoreMode.Append, "k", "x", 0, out _));
        Assert.Equal(EngineStatus.NotStored, _pool.Store(_region, StoreMode.Prepend, "k", "x", 0, out _));

        _pool.Set(_region, "k", "middle", flags: 9);
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Append, "k", "-end", 0, out _));
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Prepend, "k", "start-", 0, out _));

        Assert.Equal("start-middle-end", _pool.GetString(_region, "k", out ItemInfo info));
        Assert.Equal(9u, info.Flags);
    }

    [Fact]
    public void Cas_store_succeeds_only_with_the_current_cas()
    {
        Assert.Equal(EngineStatus.NotFound, _pool.Store(_region, StoreMode.Cas, "k", "x", 12345, out _));

        _pool.Store(_region, StoreMode.Set, "k", "v1", 0, out ulong cas1);
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Cas, "k", "v2", cas1, out ulong cas2));
        Assert.Equal(EngineStatus.Exists, _pool.Store(_region, StoreMode.Cas, "k", "v3", cas1, out _));

        Assert.Equal("v2", _pool.GetString(_region, "k", out ItemInfo info));
        Assert.Equal(cas2, info.Cas);
    }

    [Fact]
    public void Non_zero_cas_is_checked_for_set_too()
    {
        _pool.Store(_region, StoreMode.Set, "k", "v1", 0, out ulong cas);
        Assert.Equal(EngineStatus.Exists, _pool.Store(_region, StoreMode.Set, "k", "v2", cas + 1, out _));
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, "k", "v2", cas, out _));
        Assert.Equal("v2", _pool.GetString(_region, "k"));
    }

    [Fact]
    public void Delete_removes_and_honours_cas()
    {
        _pool.Store(_region, StoreMode.Set, "k", "v", 0, out ulong cas);

        Assert.Equal(EngineStatus.Exists, _pool.Delete(_region, "k"u8, new WriteOptions { CasIn = cas + 1 }));
        Assert.Equal("v", _pool.GetString(_region, "k"));
        Assert.Equal(EngineStatus.Ok, _pool.Delete(_region, "k"u8, new WriteOptions { CasIn = cas }));
        Assert.Null(_pool.GetString(_region, "k"));
        Assert.Equal(EngineStatus.NotFound, _pool.Delete(_region, "k"u8));
    }

    [Fact]
    public void Increment_and_decrement_follow_memcached_rules()
    {
        Assert.Equal(EngineStatus.NotFound, _pool.Increment(_region, "n"u8, 1, out _, out _));

        _pool.Set(_region, "n", "10");
        Assert.Equal(EngineStatus.Ok, _pool.Increment(_region, "n"u8, 5, out ulong value, out ulong cas));
        Assert.Equal(15UL, value);
        Assert.Equal("15", _pool.GetString(_region, "n", out ItemInfo info));
        Assert.Equal(cas, info.Cas);

        Assert.Equal(EngineStatus.Ok, _pool.Decrement(_region, "n"u8, 100, out value, out _));
        Assert.Equal(0UL, value);

        _pool.Set(_region, "n", ulong.MaxValue.ToString());
        Assert.Equal(EngineStatus.Ok, _pool.Increment(_region, "n"u8, 2, out value, out _));
        Assert.Equal(1UL, value);

        _pool.Set(_region, "text", "abc");
        Assert.Equal(EngineStatus.NonNumeric, _pool.Increment(_region, "text"u8, 1, out _, out _));
        Assert.Equal("abc", _pool.GetString(_region, "text"));
    }

    [Fact]
    public void Value_too_big_for_the_buffer_reports_needed_length_and_retry_succeeds()
    {
        byte[] value = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        _pool.Store(_region, StoreMode.Set, "big"u8, value, 3, 0, out _);

        Span<byte> small = stackalloc byte[16];
        Assert.Equal(EngineStatus.BufferTooSmall, _pool.TryGet(_region, "big"u8, small, out int needed, out ItemInfo info));
        Assert.Equal(value.Length, needed);
        Assert.Equal(3u, info.Flags);

        byte[] rented = ArrayPool<byte>.Shared.Rent(needed);
        try
        {
            Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "big"u8, rented, out int length, out _));
            Assert.Equal(value, rented.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [Fact]
    public void Get_into_a_buffer_writer_grows_it_to_the_value()
    {
        byte[] value = new byte[100_000];
        new Random(1).NextBytes(value);
        _pool.Store(_region, StoreMode.Set, "big"u8, value, 0, 0, out _);

        var writer = new ArrayBufferWriter<byte>(initialCapacity: 16);
        writer.Write("prefix"u8);
        Assert.Equal(EngineStatus.Ok, _pool.Get(_region, "big"u8, writer, out ItemInfo info));

        Assert.Equal(value.Length, info.ValueLength);
        Assert.Equal("prefix"u8.ToArray(), writer.WrittenSpan[..6].ToArray());
        Assert.Equal(value, writer.WrittenSpan[6..].ToArray());
    }

    [Fact]
    public void Empty_value_round_trips()
    {
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, "empty"u8, ReadOnlySpan<byte>.Empty, 1, 0, out _));
        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, "empty"u8, Span<byte>.Empty, out int length, out ItemInfo info));
        Assert.Equal(0, length);
        Assert.Equal(1u, info.Flags);
    }

    [Fact]
    public void Bad_keys_are_reported_as_BadKey()
    {
        byte[] longest = Enumerable.Repeat((byte)'a', EngineLimits.KeyMax).ToArray();
        byte[] tooLong = Enumerable.Repeat((byte)'a', EngineLimits.KeyMax + 1).ToArray();

        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, longest, "v"u8, 0, 0, out _));
        Assert.Equal(EngineStatus.BadKey, _pool.Store(_region, StoreMode.Set, tooLong, "v"u8, 0, 0, out _));
        Assert.Equal(EngineStatus.BadKey, _pool.Store(_region, StoreMode.Set, ReadOnlySpan<byte>.Empty, "v"u8, 0, 0, out _));
        Assert.Equal(EngineStatus.BadKey, _pool.TryGet(_region, tooLong, new byte[4], out _, out _));
    }

    [Fact]
    public void Binary_keys_and_values_are_kept_byte_for_byte()
    {
        byte[] key = [0, 1, 2, 255, (byte)' ', (byte)'\n'];
        byte[] value = [0, 0, 13, 10, 255];
        Assert.Equal(EngineStatus.Ok, _pool.Store(_region, StoreMode.Set, key, value, 0, 0, out _));

        byte[] buffer = new byte[16];
        Assert.Equal(EngineStatus.Ok, _pool.TryGet(_region, key, buffer, out int length, out _));
        Assert.Equal(value, buffer[..length]);
    }

    [Fact]
    public void Item_larger_than_the_limit_is_TooLarge()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open(itemSizeMax: 4096);
        Region region = pool.CreateRegion("r");

        Assert.Equal(EngineStatus.TooLarge, pool.Store(region, StoreMode.Set, "k"u8, new byte[8192], 0, 0, out _));
        Assert.Equal(EngineStatus.Ok, pool.Store(region, StoreMode.Set, "k"u8, new byte[1024], 0, 0, out _));
    }

    [Fact]
    public void Full_pool_without_eviction_answers_NoMemory_and_keeps_old_items()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open(capacity: 8UL << 20, noEvict: true);
        Region region = pool.CreateRegion("r");
        byte[] value = new byte[10_000];

        int stored = 0;
        EngineStatus status = EngineStatus.Ok;
        while (stored < 10_000 && (status = pool.Store(region, StoreMode.Set, $"key{stored}".Utf8(), value, 0, 0, out _)) == EngineStatus.Ok)
        {
            stored++;
        }

        Assert.Equal(EngineStatus.NoMemory, status);
        Assert.InRange(stored, 1, 9_999);
        Assert.Equal(EngineStatus.Ok, pool.TryGet(region, "key0"u8, new byte[value.Length], out _, out _));
        Assert.Equal(0UL, pool.GetStats().Evictions);
    }

    [Fact]
    public void Full_pool_with_eviction_keeps_accepting_writes()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open(capacity: 8UL << 20);
        Region region = pool.CreateRegion("r");
        byte[] value = new byte[10_000];

        for (int i = 0; i < 3_000; i++)
        {
            Assert.Equal(EngineStatus.Ok, pool.Store(region, StoreMode.Set, $"key{i}".Utf8(), value, 0, 0, out _));
        }

        Assert.True(pool.GetStats().Evictions > 0);
        Assert.Equal(EngineStatus.Ok, pool.TryGet(region, "key2999"u8, new byte[value.Length], out _, out _));
    }
}

using System.Buffers;
using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

/// <summary>The item path is called for every protocol request; it must not allocate.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Item_operations_allocate_nothing_after_warmup()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("alloc");
        byte[] key = "counter-key-0000"u8.ToArray();
        byte[] value = new byte[100];
        byte[] buffer = new byte[128];
        var writer = new ArrayBufferWriter<byte>(1024);
        pool.Store(region, StoreMode.Set, "n"u8, "0"u8, 0, 0, out _);

        RunItemOperations(pool, region, key, value, buffer, writer, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunItemOperations(pool, region, key, value, buffer, writer, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0L, allocated);
    }

    private static void RunItemOperations(EnginePool pool, Region region, byte[] key, byte[] value, byte[] buffer,
        ArrayBufferWriter<byte> writer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            key[^1] = (byte)('0' + i % 10);
            Expect(EngineStatus.Ok, pool.Store(region, StoreMode.Set, key, value, 1, 0, out ulong cas));
            Expect(EngineStatus.Ok, pool.TryGet(region, key, buffer, out int length, out _));
            Expect(value.Length, length);
            Expect(EngineStatus.Ok, pool.Store(region, StoreMode.Cas, key, value, 1, 0, out _, new WriteOptions { CasIn = cas }));
            Expect(EngineStatus.Ok, pool.Increment(region, "n"u8, 1, out _, out _));
            Expect(EngineStatus.Ok, pool.Touch(region, key, 0));
            Expect(EngineStatus.Ok, pool.TryGet(region, key, buffer, out _, out _, new ReadOptions { TouchExptime = 0 }));
            writer.ResetWrittenCount();
            Expect(EngineStatus.Ok, pool.Get(region, key, writer, out _));
            Expect(value.Length, writer.WrittenCount);
            Expect(EngineStatus.NotFound, pool.TryGet(region, "missing"u8, buffer, out _, out _));
            Expect(EngineStatus.Ok, pool.Delete(region, key, new WriteOptions { Invalidate = true, Exptime = 100 }));
            Expect(EngineStatus.Ok, pool.TryGet(region, key, buffer, out _, out ItemInfo info, new ReadOptions { RecacheBelow = 30, Lease = true }));
            Expect(ItemState.Stale | ItemState.Won, info.State);
            Expect(EngineStatus.Ok, pool.Delete(region, key));
            Expect(EngineStatus.Ok, pool.TryGet(region, key, buffer, out _, out info, new ReadOptions { VivifyExptime = 30 }));
            Expect(ItemState.Vivified | ItemState.Won, info.State);
            Expect(EngineStatus.Ok, pool.Delete(region, key, new WriteOptions { CasIn = info.Cas }));
        }
    }

    // xunit's Assert.Equal boxes enums, which would be counted as the binding's allocations.
    private static void Expect<T>(T expected, T actual) where T : struct
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Assert.Fail($"expected {expected}, got {actual}");
        }
    }
}

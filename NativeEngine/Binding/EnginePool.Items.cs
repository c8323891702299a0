using System.Buffers;
using System.Runtime.CompilerServices;

namespace Mnemo.NativeEngine;

// Item operations: the hot path. Spans are pinned with `fixed` and passed as raw pointers, so a call
// allocates nothing; see the error policy on the class.
public sealed partial class EnginePool
{
    /// <summary>
    /// Copies the value of <paramref name="key"/> into <paramref name="destination"/>. When it does
    /// not fit, returns <see cref="EngineStatus.BufferTooSmall"/> with the needed length in
    /// <paramref name="valueLength"/> and changes nothing, so the caller can retry with a larger
    /// (pooled) buffer. <paramref name="options"/> adds touch, vivify-on-miss and recache (mg T, N, R);
    /// <see cref="ItemInfo.State"/> reports what happened.
    /// </summary>
    public unsafe EngineStatus TryGet(Region region, ReadOnlySpan<byte> key, Span<byte> destination, out int valueLength, out ItemInfo info,
        in ReadOptions options = default)
    {
        info = default;
        uint length = 0;
        EngineStatus status;
        NativeReadArgs args = options.IsPlain ? default : NativeReadArgs.From(options);
        fixed (byte* keyPointer = key)
        fixed (byte* valuePointer = destination)
        fixed (ItemInfo* infoPointer = &info)
        {
            status = NativeMethods.Get(_handle, region.Id, keyPointer, (uint)key.Length, valuePointer, (uint)destination.Length,
                &length, infoPointer, options.IsPlain ? null : &args);
        }
        valueLength = (int)length;
        return ItemOutcome("mnemo_get", status);
    }

    /// <summary>
    /// Appends the value of <paramref name="key"/> to <paramref name="destination"/>, asking it for as much room as the value needs
    /// (with <see cref="ReadOptions.NoValue"/>, nothing).
    /// </summary>
    public EngineStatus Get(Region region, ReadOnlySpan<byte> key, IBufferWriter<byte> destination, out ItemInfo info,
        in ReadOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (options.NoValue)
        {
            return TryGet(region, key, default, out _, out info, options);
        }
        Span<byte> buffer = destination.GetSpan();
        EngineStatus status = TryGet(region, key, buffer, out int valueLength, out info, options);
        bool fetchedBefore = info.Fetched;
        // The value may grow between attempts (a concurrent append), so retry until it fits.
        while (status == EngineStatus.BufferTooSmall)
        {
            buffer = destination.GetSpan(valueLength);
            status = TryGet(region, key, buffer, out valueLength, out info, options);
            // The first attempt already counted as a read; report what it saw.
            info.SetFetched(fetchedBefore);
        }
        if (status == EngineStatus.Ok)
        {
            destination.Advance(valueLength);
        }
        return status;
    }

    /// <summary>
    /// Stores an item. <see cref="WriteOptions.CasIn"/> is required for <see cref="StoreMode.Cas"/> and, when
    /// non-zero, checked for every other mode too (meta protocol compare-and-swap); see <see cref="WriteOptions"/>
    /// for explicit CAS and invalidation. <paramref name="cas"/> receives the item's new CAS unique.
    /// </summary>
    public unsafe EngineStatus Store(Region region, StoreMode mode, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value,
        uint flags, long exptime, out ulong cas, in WriteOptions options = default)
    {
        ulong casOut = 0;
        EngineStatus status;
        NativeWriteArgs args = NativeWriteArgs.From(options);
        fixed (byte* keyPointer = key)
        fixed (byte* valuePointer = value)
        {
            status = NativeMethods.Store(_handle, region.Id, mode, keyPointer, (uint)key.Length, valuePointer, (uint)value.Length,
                flags, exptime, &args, &casOut);
        }
        cas = casOut;
        return ItemOutcome("mnemo_store", status);
    }

    /// <summary>
    /// Deletes <paramref name="key"/>, or with <see cref="WriteOptions.Invalidate"/> marks it stale (md I);
    /// with a non-zero <see cref="WriteOptions.CasIn"/> only if the CAS matches.
    /// </summary>
    public unsafe EngineStatus Delete(Region region, ReadOnlySpan<byte> key, in WriteOptions options = default)
    {
        EngineStatus status;
        NativeWriteArgs args = NativeWriteArgs.From(options);
        fixed (byte* keyPointer = key)
        {
            status = NativeMethods.Delete(_handle, region.Id, keyPointer, (uint)key.Length, &args);
        }
        return ItemOutcome("mnemo_delete", status);
    }

    /// <summary>memcached incr: adds <paramref name="delta"/> to a decimal value, wrapping at 2^64.</summary>
    public EngineStatus Increment(Region region, ReadOnlySpan<byte> key, ulong delta, out ulong value, out ulong cas,
        in WriteOptions options = default) =>
        Arith(region, key, decrement: false, delta, out value, out cas, options);

    /// <summary>memcached decr: subtracts <paramref name="delta"/> from a decimal value, stopping at 0.</summary>
    public EngineStatus Decrement(Region region, ReadOnlySpan<byte> key, ulong delta, out ulong value, out ulong cas,
        in WriteOptions options = default) =>
        Arith(region, key, decrement: true, delta, out value, out cas, options);

    /// <summary>Sets the exptime of <paramref name="key"/> without reading it.</summary>
    public unsafe EngineStatus Touch(Region region, ReadOnlySpan<byte> key, long exptime)
    {
        EngineStatus status;
        fixed (byte* keyPointer = key)
        {
            status = NativeMethods.Touch(_handle, region.Id, keyPointer, (uint)key.Length, exptime);
        }
        return ItemOutcome("mnemo_touch", status);
    }

    /// <summary>
    /// Invalidates every item of the region stored before now + <paramref name="delaySeconds"/> (memcached flush_all).
    /// O(1) at any item count: the engine records a mark and reclaims flushed items when it next meets them.
    /// </summary>
    public void Flush(Region region, long delaySeconds = 0)
    {
        EngineStatus status = NativeMethods.Flush(_handle, region.Id, delaySeconds);
        ThrowUnlessOk("mnemo_flush", status);
    }

    private unsafe EngineStatus Arith(Region region, ReadOnlySpan<byte> key, bool decrement, ulong delta, out ulong value, out ulong cas,
        in WriteOptions options)
    {
        ulong valueOut = 0, casOut = 0;
        EngineStatus status;
        NativeWriteArgs args = NativeWriteArgs.From(options);
        fixed (byte* keyPointer = key)
        {
            status = NativeMethods.Arith(_handle, region.Id, keyPointer, (uint)key.Length, decrement ? 1 : 0, delta, &args, &valueOut, &casOut);
        }
        value = valueOut;
        cas = casOut;
        return ItemOutcome("mnemo_arith", status);
    }

    /// <summary>Passes the statuses a protocol answers to; throws for the ones that mean a broken pool or call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static EngineStatus ItemOutcome(string operation, EngineStatus status)
    {
        if (status is <= EngineStatus.BadKey and >= EngineStatus.Ok or EngineStatus.BufferTooSmall)
        {
            return status;
        }
        throw NativeMethods.Failure(operation, status);
    }
}

using System.Text;

namespace Mnemo.NativeEngine;

/// <summary>
/// An open engine pool: regions, items, snapshots and stats over the C ABI. Thread-safe, as the
/// engine is.
/// <para>
/// Error policy. Control operations (open, regions, snapshots, stats, scan, flush) succeed or throw
/// <see cref="EngineException"/>. Item operations return the statuses a protocol layer turns into
/// replies — <see cref="EngineStatus.Ok"/>, <see cref="EngineStatus.NotFound"/>,
/// <see cref="EngineStatus.Exists"/>, <see cref="EngineStatus.NotStored"/>,
/// <see cref="EngineStatus.TooLarge"/>, <see cref="EngineStatus.NoMemory"/>,
/// <see cref="EngineStatus.NonNumeric"/>, <see cref="EngineStatus.BadKey"/> and
/// <see cref="EngineStatus.BufferTooSmall"/> — and throw for the rest (Invalid, Io, Corrupt, Limit),
/// which mean the pool or the call itself is broken. An item operation on a region that does not
/// exist (e.g. dropped) answers <see cref="EngineStatus.NotFound"/>.
/// </para>
/// <para>
/// Calls made after <see cref="Dispose"/> throw <see cref="ObjectDisposedException"/>; calls in flight
/// when it runs complete first, because each call holds a reference on the <see cref="PoolHandle"/>.
/// </para>
/// </summary>
public sealed partial class EnginePool : IDisposable
{
    private readonly PoolHandle _handle;

    private EnginePool(PoolHandle handle, PoolOptions options)
    {
        _handle = handle;
        Options = options;
    }

    public PoolOptions Options { get; }

    /// <summary>Opens the pool described by <paramref name="options"/>, creating it when asked to.</summary>
    public static unsafe EnginePool Open(PoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options.Path));

        byte[] path = Encoding.UTF8.GetBytes(options.Path + "\0");
        fixed (byte* pathPointer = path)
        {
            var native = new NativePoolOptions
            {
                Path = pathPointer,
                Capacity = options.Capacity,
                DeviceMode = (uint)options.Mode,
                Flags = (options.Create ? NativePoolOptions.FlagCreate : 0) | (options.NoEvict ? NativePoolOptions.FlagNoEvict : 0),
                ItemSizeMax = options.ItemSizeMax,
            };
            EngineStatus status = NativeMethods.PoolOpen(&native, out PoolHandle handle);
            if (status != EngineStatus.Ok)
            {
                EngineException failure = NativeMethods.Failure("mnemo_pool_open", status);
                handle.Dispose();
                throw failure;
            }
            return new EnginePool(handle, options);
        }
    }

    /// <summary>Usage and counters of the whole pool.</summary>
    public unsafe PoolStats GetStats()
    {
        PoolStats stats;
        EngineStatus status = NativeMethods.PoolStatsGet(_handle, &stats);
        ThrowUnlessOk("mnemo_pool_stats_get", status);
        return stats;
    }

    /// <summary>
    /// Grows the pool to <paramref name="capacity"/> bytes while it serves: the file is extended and mapped after the
    /// mapped part, so regions, items and calls in flight are untouched, and the new space takes new items.
    /// The same capacity does nothing. Throws <see cref="EngineException"/> (<see cref="EngineStatus.Invalid"/>) for a
    /// devdax pool, a smaller capacity (pools do not shrink) or more than the pool's page table allows (at least
    /// 16 times its created capacity), and <see cref="EngineStatus.Io"/> when the file cannot be extended.
    /// </summary>
    public void Grow(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ThrowUnlessOk("mnemo_pool_grow", NativeMethods.PoolGrow(_handle, (ulong)capacity));
    }

    /// <summary>The slab classes in use.</summary>
    public unsafe IReadOnlyList<SlabStats> GetSlabStats() =>
        ReadTable<SlabStats>("mnemo_slab_stats_get", initialCapacity: 64,
            (items, capacity, count) => NativeMethods.SlabStatsGet(_handle, items, capacity, count));

    /// <summary>Test hook: the engine's clock runs <paramref name="seconds"/> ahead from now on.</summary>
    public void AdvanceClock(long seconds) => NativeMethods.ClockAdvance(_handle, seconds);

    /// <summary>Closes the pool once calls in flight have returned. Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    private static void ThrowUnlessOk(string operation, EngineStatus status)
    {
        if (status != EngineStatus.Ok)
        {
            throw NativeMethods.Failure(operation, status);
        }
    }

    private unsafe delegate EngineStatus TableFill<T>(T* items, uint capacity, uint* count) where T : unmanaged;

    /// <summary>Reads a variable-length table, growing the buffer when the engine reports more rows than fit.</summary>
    private static unsafe T[] ReadTable<T>(string operation, int initialCapacity, TableFill<T> fill) where T : unmanaged
    {
        var rows = new T[initialCapacity];
        while (true)
        {
            uint count;
            EngineStatus status;
            fixed (T* items = rows)
            {
                status = fill(items, (uint)rows.Length, &count);
            }
            if (status is EngineStatus.Ok or EngineStatus.BufferTooSmall && count > rows.Length)
            {
                rows = new T[count];
                continue;
            }
            ThrowUnlessOk(operation, status);
            return count == rows.Length ? rows : rows[..(int)count];
        }
    }
}

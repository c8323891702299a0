using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>
/// The C ABI of mnemo_engine.h. Item calls take raw pointers so that nothing is marshalled or
/// allocated per call; only control calls use string marshalling.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string LibraryName = "mnemo_engine";

    // Runs before the first call into the library, so the resolver is in place when the runtime
    // binds the first import.
    static NativeMethods() => NativeLibraryResolver.Register(typeof(NativeMethods).Assembly);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_last_error")]
    internal static partial byte* LastError();

    [LibraryImport(LibraryName, EntryPoint = "mnemo_pool_open")]
    internal static partial EngineStatus PoolOpen(NativePoolOptions* options, out PoolHandle pool);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_pool_close")]
    internal static partial void PoolClose(nint pool);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_pool_stats_get")]
    internal static partial EngineStatus PoolStatsGet(PoolHandle pool, PoolStats* stats);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_pool_grow")]
    internal static partial EngineStatus PoolGrow(PoolHandle pool, ulong capacity);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_slab_stats_get")]
    internal static partial EngineStatus SlabStatsGet(PoolHandle pool, SlabStats* stats, uint capacity, uint* count);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_clock_advance")]
    internal static partial void ClockAdvance(PoolHandle pool, long seconds);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial EngineStatus RegionCreate(PoolHandle pool, string name, uint* id);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_find", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial EngineStatus RegionFind(PoolHandle pool, string name, uint* id);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_drop")]
    internal static partial EngineStatus RegionDrop(PoolHandle pool, uint region);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_list")]
    internal static partial EngineStatus RegionList(PoolHandle pool, RegionStats* stats, uint capacity, uint* count);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_stats_get")]
    internal static partial EngineStatus RegionStatsGet(PoolHandle pool, uint region, RegionStats* stats);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_scan")]
    internal static partial EngineStatus RegionScan(
        PoolHandle pool, uint region, ulong snapshot,
        delegate* unmanaged<nint, byte*, uint, byte*, uint, ItemInfo*, int> visit, nint context);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_region_scan_versions")]
    internal static partial EngineStatus RegionScanVersions(
        PoolHandle pool, uint region, delegate* unmanaged<nint, byte*, uint, byte*, uint, ItemInfo*, int> visit, nint context);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_get")]
    internal static partial EngineStatus Get(
        PoolHandle pool, uint region, byte* key, uint keyLength, byte* value, uint valueCapacity,
        uint* valueLength, ItemInfo* info, NativeReadArgs* args);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_store")]
    internal static partial EngineStatus Store(
        PoolHandle pool, uint region, StoreMode mode, byte* key, uint keyLength, byte* value,
        uint valueLength, uint flags, long exptime, NativeWriteArgs* args, ulong* casOut);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_delete")]
    internal static partial EngineStatus Delete(PoolHandle pool, uint region, byte* key, uint keyLength, NativeWriteArgs* args);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_arith")]
    internal static partial EngineStatus Arith(
        PoolHandle pool, uint region, byte* key, uint keyLength, int decrement, ulong delta,
        NativeWriteArgs* args, ulong* valueOut, ulong* casOut);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_touch")]
    internal static partial EngineStatus Touch(PoolHandle pool, uint region, byte* key, uint keyLength, long exptime);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_flush")]
    internal static partial EngineStatus Flush(PoolHandle pool, uint region, long delay);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_create")]
    internal static partial EngineStatus SnapshotCreate(PoolHandle pool, uint region, ulong* id);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_list")]
    internal static partial EngineStatus SnapshotList(PoolHandle pool, uint region, SnapshotInfo* infos, uint capacity, uint* count);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_delete")]
    internal static partial EngineStatus SnapshotDelete(PoolHandle pool, uint region, ulong id);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_restore")]
    internal static partial EngineStatus SnapshotRestore(PoolHandle pool, uint region, ulong id);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_export", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial EngineStatus SnapshotExport(PoolHandle pool, uint region, ulong id, string path);

    [LibraryImport(LibraryName, EntryPoint = "mnemo_snapshot_import", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial EngineStatus SnapshotImport(PoolHandle pool, uint region, string path, ulong* id);

    /// <summary>This thread's last engine error; must be read right after the failing call.</summary>
    internal static string? LastErrorMessage()
    {
        string? message = Marshal.PtrToStringUTF8((nint)LastError());
        return string.IsNullOrEmpty(message) ? null : message;
    }

    /// <summary>Builds the exception for a failed call; reads the thread's error message, so call it immediately.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static EngineException Failure(string operation, EngineStatus status) =>
        new(operation, status, LastErrorMessage());
}

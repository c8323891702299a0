using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

public sealed partial class EnginePool
{
    /// <summary>The snapshot id that names a region's live view in <see cref="Scan"/>.</summary>
    public const ulong LiveView = 0;

    /// <summary>
    /// Visits every item of the region's live view (<see cref="LiveView"/>) or of a snapshot, until
    /// <paramref name="visitor"/> returns false. An exception thrown by the visitor stops the scan and
    /// is rethrown here.
    /// </summary>
    public unsafe void Scan(Region region, ulong snapshotId, ScanVisitor visitor) =>
        RunScan("mnemo_region_scan", visitor, (visit, context) => NativeMethods.RegionScan(_handle, region.Id, snapshotId, visit, context));

    /// <summary>
    /// Visits every version of the region's live view: its items, and the tombstones of ordered
    /// deletes that have not expired (<see cref="ItemState.Tombstone"/>, the delete's CAS, an empty
    /// value). Replicas compare these to find which writes and deletes one of them missed.
    /// </summary>
    public unsafe void ScanVersions(Region region, ScanVisitor visitor) =>
        RunScan("mnemo_region_scan_versions", visitor, (visit, context) => NativeMethods.RegionScanVersions(_handle, region.Id, visit, context));

    private unsafe delegate EngineStatus NativeScan(delegate* unmanaged<nint, byte*, uint, byte*, uint, ItemInfo*, int> visit, nint context);

    private unsafe void RunScan(string function, ScanVisitor visitor, NativeScan scanCall)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var scan = new ScanState(visitor);
        GCHandle context = GCHandle.Alloc(scan);
        EngineStatus status;
        try
        {
            status = scanCall(&VisitItem, GCHandle.ToIntPtr(context));
        }
        finally
        {
            context.Free();
        }

        if (scan.Failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        ThrowUnlessOk(function, status);
    }

    [UnmanagedCallersOnly]
    private static unsafe int VisitItem(nint context, byte* key, uint keyLength, byte* value, uint valueLength, ItemInfo* info)
    {
        var scan = (ScanState)GCHandle.FromIntPtr(context).Target!;
        try
        {
            bool more = scan.Visitor(new ReadOnlySpan<byte>(key, (int)keyLength), new ReadOnlySpan<byte>(value, (int)valueLength), in *info);
            return more ? 0 : 1;
        }
        catch (Exception e)
        {
            // Exceptions must not unwind through the engine's frames; carry it back to Scan instead.
            scan.Failure = e;
            return 1;
        }
    }

    private sealed class ScanState(ScanVisitor visitor)
    {
        public ScanVisitor Visitor { get; } = visitor;
        public Exception? Failure { get; set; }
    }
}

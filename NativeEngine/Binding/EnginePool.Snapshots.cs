
namespace Mnemo.NativeEngine;

public sealed partial class EnginePool
{
    /// <summary>Records the region's current state as a snapshot (O(1)); returns its id.</summary>
    public unsafe ulong CreateSnapshot(Region region)
    {
        ulong id;
        EngineStatus status = NativeMethods.SnapshotCreate(_handle, region.Id, &id);
        ThrowUnlessOk("mnemo_snapshot_create", status);
        return id;
    }

    public unsafe IReadOnlyList<SnapshotInfo> ListSnapshots(Region region) =>
        ReadTable<SnapshotInfo>("mnemo_snapshot_list", initialCapacity: 16,
            (items, capacity, count) => NativeMethods.SnapshotList(_handle, region.Id, items, capacity, count));

    /// <summary>Deletes a snapshot and releases the item versions only it needed.</summary>
    public void DeleteSnapshot(Region region, ulong snapshotId)
    {
        EngineStatus status = NativeMethods.SnapshotDelete(_handle, region.Id, snapshotId);
        ThrowUnlessOk("mnemo_snapshot_delete", status);
    }

    /// <summary>Makes the region's live view exactly the snapshot's state (crash-atomic).</summary>
    public void RestoreSnapshot(Region region, ulong snapshotId)
    {
        EngineStatus status = NativeMethods.SnapshotRestore(_handle, region.Id, snapshotId);
        ThrowUnlessOk("mnemo_snapshot_restore", status);
    }

    /// <summary>Writes the snapshot's items to a portable, checksummed file.</summary>
    public void ExportSnapshot(Region region, ulong snapshotId, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EngineStatus status = NativeMethods.SnapshotExport(_handle, region.Id, snapshotId, path);
        ThrowUnlessOk("mnemo_snapshot_export", status);
    }

    /// <summary>
    /// Replaces the region's live view with the items of an exported file (crash-atomic) and records
    /// that state as a new snapshot; returns its id.
    /// </summary>
    public unsafe ulong ImportSnapshot(Region region, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ulong id;
        EngineStatus status = NativeMethods.SnapshotImport(_handle, region.Id, path, &id);
        ThrowUnlessOk("mnemo_snapshot_import", status);
        return id;
    }
}

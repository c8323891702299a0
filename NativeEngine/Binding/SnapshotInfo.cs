using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_snapshot_info</c>: one snapshot of a region.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SnapshotInfo
{
    private ulong _id;
    private long _createdUnixNs;
    private ulong _items;
    private ulong _bytes;

    /// <summary>The snapshot's epoch; unique within its region.</summary>
    public readonly ulong Id => _id;

    public readonly DateTimeOffset CreatedAt => DateTimeOffset.UnixEpoch.AddTicks(_createdUnixNs / 100);

    /// <summary>Items visible in the snapshot.</summary>
    public readonly ulong Items => _items;

    /// <summary>Item bytes of those items.</summary>
    public readonly ulong Bytes => _bytes;
}

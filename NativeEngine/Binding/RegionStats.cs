using System.Runtime.InteropServices;
using System.Text;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_region_stats</c>: usage and counters of one region.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct RegionStats
{
    private uint _id;
    private fixed byte _name[EngineLimits.RegionNameMax + 1];
    private ulong _items;
    private ulong _itemBytes;
    private ulong _bytesUsed;
    private ulong _hits;
    private ulong _misses;
    private ulong _evictions;
    private ulong _snapshots;
    private ulong _snapshotRetainedBytes;
    private ulong _epoch;
    private ulong _cmdSet;
    private ulong _cmdGet;

    public readonly uint Id => _id;

    /// <summary>The region's name (decoded from the engine's NUL-terminated UTF-8 buffer).</summary>
    public readonly string Name
    {
        get
        {
            fixed (byte* name = _name)
            {
                var bytes = new ReadOnlySpan<byte>(name, EngineLimits.RegionNameMax + 1);
                int end = bytes.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
            }
        }
    }

    public readonly Region Region => new(_id, Name);
    public readonly ulong Items => _items;
    public readonly ulong ItemBytes => _itemBytes;
    public readonly ulong BytesUsed => _bytesUsed;
    public readonly ulong Hits => _hits;
    public readonly ulong Misses => _misses;
    public readonly ulong Evictions => _evictions;
    public readonly ulong Snapshots => _snapshots;
    public readonly ulong SnapshotRetainedBytes => _snapshotRetainedBytes;

    /// <summary>The region's current epoch.</summary>
    public readonly ulong Epoch => _epoch;

    public readonly ulong CmdSet => _cmdSet;
    public readonly ulong CmdGet => _cmdGet;
}

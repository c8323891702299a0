using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_pool_stats</c>: usage of a whole pool.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PoolStats
{
    private ulong _capacity;
    private ulong _dataCapacity;
    private ulong _bytesUsed;
    private ulong _itemBytes;
    private ulong _items;
    private ulong _indexBytes;
    private ulong _evictions;
    private ulong _hits;
    private ulong _misses;
    private ulong _snapshots;
    private ulong _snapshotRetainedBytes;
    private ulong _regions;
    private ulong _recoveryNs;
    private ulong _itemSizeMax;
    private uint _deviceMode;
    private uint _slabClasses;

    /// <summary>Bytes of the pool.</summary>
    public readonly ulong Capacity => _capacity;

    /// <summary>Bytes available for items (capacity less metadata).</summary>
    public readonly ulong DataCapacity => _dataCapacity;

    /// <summary>Bytes of slab chunks holding live or retained items.</summary>
    public readonly ulong BytesUsed => _bytesUsed;

    /// <summary>Sum of live item sizes (header + key + value).</summary>
    public readonly ulong ItemBytes => _itemBytes;

    /// <summary>Live items over all regions.</summary>
    public readonly ulong Items => _items;

    /// <summary>DRAM used by the volatile index.</summary>
    public readonly ulong IndexBytes => _indexBytes;

    public readonly ulong Evictions => _evictions;
    public readonly ulong Hits => _hits;
    public readonly ulong Misses => _misses;

    /// <summary>Snapshots over all regions.</summary>
    public readonly ulong Snapshots => _snapshots;

    /// <summary>Bytes kept only because a snapshot needs them.</summary>
    public readonly ulong SnapshotRetainedBytes => _snapshotRetainedBytes;

    public readonly ulong Regions => _regions;

    /// <summary>Time the last open spent rebuilding the index and recovering.</summary>
    public readonly TimeSpan RecoveryTime => TimeSpan.FromTicks((long)(_recoveryNs / 100));

    public readonly ulong ItemSizeMax => _itemSizeMax;
    public readonly DeviceMode DeviceMode => (DeviceMode)_deviceMode;
    public readonly int SlabClasses => (int)_slabClasses;
}

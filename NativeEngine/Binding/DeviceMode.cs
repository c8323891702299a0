namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_device_mode</c>: what backs the pool.</summary>
public enum DeviceMode : uint
{
    /// <summary>A regular file (typically under /dev/shm) living in DRAM.</summary>
    Emulation = 0,
    /// <summary>A file on a DAX-mounted filesystem.</summary>
    FsDax = 1,
    /// <summary>A /dev/daxX.Y character device; the capacity is the device's.</summary>
    DevDax = 2,
}

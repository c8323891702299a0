using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_pool_options</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativePoolOptions
{
    public byte* Path;
    public ulong Capacity;
    public uint DeviceMode;
    public uint Flags;
    public uint ItemSizeMax;
    public uint Reserved;

    /// <summary><c>mnemo_open_flags</c>.</summary>
    public const uint FlagCreate = 1u << 0;
    public const uint FlagNoEvict = 1u << 1;
}

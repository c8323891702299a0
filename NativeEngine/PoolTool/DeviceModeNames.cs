using Mnemo.NativeEngine;

namespace Mnemo.PoolTool;

/// <summary>The lower-case device mode names the command line accepts and prints.</summary>
internal static class DeviceModeNames
{
    public static readonly string[] All = ["emulation", "fsdax", "devdax"];

    public static DeviceMode Parse(string name) => name switch
    {
        "emulation" => DeviceMode.Emulation,
        "fsdax" => DeviceMode.FsDax,
        "devdax" => DeviceMode.DevDax,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "expected one of: " + string.Join(", ", All)),
    };

    public static string Format(DeviceMode mode) => mode switch
    {
        DeviceMode.Emulation => "emulation",
        DeviceMode.FsDax => "fsdax",
        DeviceMode.DevDax => "devdax",
        _ => $"unknown ({(uint)mode})",
    };
}

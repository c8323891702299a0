using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_read_args</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeReadArgs
{
    public long TouchExptime;
    public long VivifyExptime;
    public long RecacheBelow;
    public ulong CasNew;
    public uint Options;
    public uint Reserved;

    /// <summary><c>mnemo_read_opts</c>.</summary>
    public const uint Touch = 1, Vivify = 2, Recache = 4, Lease = 8, ExptimeBeforeTouch = 16, TouchBeforeVivify = 32, RecacheBeforeTouch = 64,
        NoValue = 128;

    public static NativeReadArgs From(in ReadOptions options)
    {
        var args = new NativeReadArgs { CasNew = options.CasNew };
        if (options.TouchExptime is long touch)
        {
            args.TouchExptime = touch;
            args.Options |= Touch;
        }
        if (options.VivifyExptime is long vivify)
        {
            args.VivifyExptime = vivify;
            args.Options |= Vivify;
        }
        if (options.RecacheBelow is long below)
        {
            args.RecacheBelow = below;
            args.Options |= Recache;
        }
        if (options.Lease)
        {
            args.Options |= Lease;
        }
        if (options.ExptimeBeforeTouch)
        {
            args.Options |= ExptimeBeforeTouch;
        }
        if (options.TouchBeforeVivify)
        {
            args.Options |= TouchBeforeVivify;
        }
        if (options.RecacheBeforeTouch)
        {
            args.Options |= RecacheBeforeTouch;
        }
        if (options.NoValue)
        {
            args.Options |= NoValue;
        }
        return args;
    }
}

/// <summary>Mirrors <c>mnemo_write_args</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeWriteArgs
{
    public ulong CasIn;
    public ulong CasNew;
    public long Exptime;
    public uint Options;
    public uint Reserved;

    /// <summary><c>mnemo_write_opts</c>.</summary>
    public const uint Invalidate = 1, SetExptime = 2, Stale = 4, Ordered = 8, Advance = 16;

    public static NativeWriteArgs From(in WriteOptions options)
    {
        var args = new NativeWriteArgs { CasIn = options.CasIn, CasNew = options.CasNew };
        if (options.Invalidate)
        {
            args.Options |= Invalidate;
        }
        if (options.Exptime is long exptime)
        {
            args.Exptime = exptime;
            args.Options |= SetExptime;
        }
        if (options.Stale)
        {
            args.Options |= Stale;
        }
        if (options.Ordered)
        {
            args.Options |= Ordered;
        }
        if (options.Advance)
        {
            args.Options |= Advance;
        }
        return args;
    }
}

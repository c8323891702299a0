namespace Mnemo.NativeEngine;

/// <summary>
/// What a read does besides returning the value (mirrors <c>mnemo_read_args</c>). The default is a
/// plain read.
/// </summary>
public struct ReadOptions
{
    /// <summary>When set, the item's new exptime (memcached gat / mg T).</summary>
    public long? TouchExptime { get; set; }

    /// <summary>When set, a miss creates an empty item (flags 0) with this exptime and wins the right to recache (mg N).</summary>
    public long? VivifyExptime { get; set; }

    /// <summary>With <see cref="Lease"/>: a hit whose remaining TTL is below this many seconds wins the right to recache (mg R).</summary>
    public long? RecacheBelow { get; set; }

    /// <summary>
    /// Lease semantics (memcached's mg): a stale item nobody has won yet is won, and <see cref="RecacheBelow"/>
    /// may win. Without it a read never wins nor records a token (get, gat, replication copies).
    /// </summary>
    public bool Lease { get; set; }

    /// <summary>With <see cref="TouchExptime"/>: the reported exptime is the one the item had before the touch (mg "t T").</summary>
    public bool ExptimeBeforeTouch { get; set; }

    /// <summary>
    /// With <see cref="TouchExptime"/> and <see cref="VivifyExptime"/>: T was written before N, so a vivified item gets
    /// <see cref="VivifyExptime"/> (memcached applies mg's flags in order: the later one sets the exptime; mg "T60 N30").
    /// </summary>
    public bool TouchBeforeVivify { get; set; }

    /// <summary>
    /// With <see cref="TouchExptime"/> and <see cref="RecacheBelow"/>: R was written before T, so the recache window is judged
    /// on the exptime the item had before the touch (mg "R30 T60").
    /// </summary>
    public bool RecacheBeforeTouch { get; set; }

    /// <summary>The CAS a vivified item gets; 0 lets the engine assign one.</summary>
    public ulong CasNew { get; set; }

    /// <summary>
    /// Reads the item's metadata only (mg without v, a touch): no value is copied and any destination fits;
    /// <see cref="ItemInfo.ValueLength"/> still reports the value's length.
    /// </summary>
    public bool NoValue { get; set; }

    internal readonly bool IsPlain =>
        TouchExptime is null && VivifyExptime is null && RecacheBelow is null && CasNew == 0 && !Lease && !ExptimeBeforeTouch
        && !TouchBeforeVivify && !RecacheBeforeTouch && !NoValue;
}

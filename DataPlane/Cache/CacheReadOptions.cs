namespace Mnemo.DataPlane;

/// <summary>
/// What a read does besides returning the value; the default is a plain read. Exptimes follow
/// memcached's rules (see <see cref="IAsyncCacheStore"/>).
/// </summary>
/// <param name="TouchExptime">When set, the item's new exptime (gat, mg T).</param>
/// <param name="VivifyExptime">When set, a miss creates an empty item (flags 0) with this exptime and wins the right to recache (mg N).</param>
/// <param name="RecacheBelow">With <paramref name="Lease"/>: a hit with a TTL of fewer seconds left than this wins the right to recache (mg R).</param>
/// <param name="CasNew">The CAS a vivified item gets (mg E); 0 lets the store choose.</param>
/// <param name="Lease">
/// Lease semantics, asked by every mg: a stale item nobody has won yet is won (W), as is a hit below
/// <paramref name="RecacheBelow"/>. Other reads (get, gat, copies between replicas) never win, as in memcached.
/// </param>
/// <param name="ExptimeBeforeTouch">
/// With <paramref name="TouchExptime"/>: a hit reports the exptime the item had before the touch (mg "t T"). An item the read
/// created reports its own exptime.
/// </param>
/// <param name="TouchBeforeVivify">
/// With <paramref name="TouchExptime"/> and <paramref name="VivifyExptime"/>: the touch comes first, so an item the read creates gets
/// <paramref name="VivifyExptime"/> (memcached applies mg's flags in the order written; mg "T60 N30").
/// </param>
/// <param name="RecacheBeforeTouch">
/// With <paramref name="TouchExptime"/> and <paramref name="RecacheBelow"/>: the recache window is judged on the exptime before the
/// touch (mg "R30 T60").
/// </param>
/// <param name="NoValue">
/// The caller needs the item's metadata only (mg without v, me, a binary touch): nothing is written to the value buffer and a
/// remote replica sends no value; <see cref="CacheItemInfo.ValueLength"/> still reports the value's length.
/// </param>
public readonly record struct CacheReadOptions(long? TouchExptime = null, long? VivifyExptime = null, long? RecacheBelow = null, ulong CasNew = 0,
    bool Lease = false, bool ExptimeBeforeTouch = false, bool TouchBeforeVivify = false, bool RecacheBeforeTouch = false, bool NoValue = false)
{
    /// <summary>
    /// True when the read may change the item in a way every replica must get (touch, vivify): a replicated store
    /// treats it as a write. A win (<paramref name="Lease"/>, with or without <paramref name="RecacheBelow"/>) is not:
    /// it only records the token on the item of the replica that served the read, atomically in that engine.
    /// </summary>
    public bool Mutates => TouchExptime.HasValue || VivifyExptime.HasValue;
}

namespace Mnemo.DataPlane;

/// <summary>
/// Chooses the CAS unique of every write a silo's replica sets fan out, so all replicas of a shard
/// hold the same CAS for the same version of an item (a <c>gets</c> answered by one replica and a
/// <c>cas</c> applied on another agree — under mcrouter each memcached picks its own and they do not).
/// <para>
/// A CAS is <c>(microseconds since the Unix epoch &lt;&lt; <see cref="OrdinalBits"/>) | node ordinal</c>,
/// and each call returns more than the previous one. Why this shape: the ordinal in the low bits
/// makes two silos writing at the same instant pick different values (unique across silos with no
/// coordination); the clock in the high bits keeps values roughly ordered across silos and far above
/// anything an engine counter reaches on its own, and a restarted silo continues above what it handed
/// out before (the clock moved on), with no state to persist. Within a silo the values strictly
/// increase even when the wall clock steps back (a value never goes below the last one). Across
/// silos, order is only as good as clock sync, which matters only for the "older CAS" comparison of
/// ms I. 2^56 microseconds last until the year 4253.
/// </para>
/// </summary>
public sealed class CasClock
{
    /// <summary>Bits of the node ordinal: up to 256 nodes.</summary>
    public const int OrdinalBits = 8;

    public const int MaxOrdinal = (1 << OrdinalBits) - 1;

    private readonly ulong _ordinal;
    private readonly Func<long> _microseconds;
    private ulong _last;

    /// <param name="ordinal">This node's ordinal (0 to <see cref="MaxOrdinal"/>), distinct per node and fixed for its name.</param>
    /// <param name="microseconds">Microseconds since the Unix epoch (tests pass a fixed clock).</param>
    public CasClock(int ordinal, Func<long>? microseconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ordinal, MaxOrdinal);
        _ordinal = (ulong)ordinal;
        _microseconds = microseconds ?? (() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10);
    }

    public int Ordinal => (int)_ordinal;

    /// <summary>The next CAS: above every one returned before, with this node's ordinal in the low bits.</summary>
    public ulong Next()
    {
        ulong fromClock = (ulong)_microseconds() << OrdinalBits | _ordinal;
        while (true)
        {
            ulong last = Volatile.Read(ref _last);
            ulong next = fromClock > last ? fromClock : last + (1UL << OrdinalBits);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}

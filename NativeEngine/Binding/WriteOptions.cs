namespace Mnemo.NativeEngine;

/// <summary>
/// How a store, delete or incr/decr compares and stamps the item (mirrors <c>mnemo_write_args</c>).
/// The default is a plain write.
/// </summary>
public struct WriteOptions
{
    /// <summary>Compare: required for <see cref="StoreMode.Cas"/>; checked for every other write when non-zero.</summary>
    public ulong CasIn { get; set; }

    /// <summary>The CAS the written version gets; 0 lets the engine assign the next one.</summary>
    public ulong CasNew { get; set; }

    /// <summary>
    /// Store: a <see cref="CasIn"/> older than the item's CAS stores the value marked stale (ms I).
    /// Delete: mark the item stale instead of deleting it (md I).
    /// </summary>
    public bool Invalidate { get; set; }

    /// <summary>Delete with <see cref="Invalidate"/>: also set the exptime (md I T).</summary>
    public long? Exptime { get; set; }

    /// <summary>Store the new version marked stale (copying a stale item as is).</summary>
    public bool Stale { get; set; }

    /// <summary>
    /// Last writer wins (a set or a delete): <see cref="CasNew"/> is the write's version and it is applied
    /// only when newer than the key's current one, else <see cref="EngineStatus.Exists"/>. A delete leaves a
    /// tombstone with its version for <see cref="Exptime"/> (default 60 s) that refuses older writes.
    /// </summary>
    public bool Ordered { get; set; }

    /// <summary>The new version's CAS is raised above the key's current version when <see cref="CasNew"/> is not newer.</summary>
    public bool Advance { get; set; }
}

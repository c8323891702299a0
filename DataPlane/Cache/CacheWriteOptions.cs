namespace Mnemo.DataPlane;

/// <summary>How a store, delete or incr/decr compares and stamps the item; the default is a plain write.</summary>
/// <param name="CasIn">Compare: required for <see cref="CacheStoreMode.Cas"/>, checked for every other write when non-zero.</param>
/// <param name="CasNew">The CAS the written version gets (ms/md/ma E, or the one a replica set chose); 0 lets the store choose.</param>
/// <param name="Invalidate">Store: a <paramref name="CasIn"/> older than the item's stores the value marked stale (ms I).
/// Delete: mark the item stale with a new CAS instead of deleting it (md I).</param>
/// <param name="Exptime">Delete with <paramref name="Invalidate"/>: also set the exptime (md I T).</param>
/// <param name="Stale">Store the new version marked stale (replication copies a stale item as it is).</param>
/// <param name="Ordered">Last writer wins (a set, or a delete): <paramref name="CasNew"/> is the write's version, applied only
/// when newer than the key's current one (else <see cref="CacheStatus.Exists"/>); a delete keeps a tombstone of its version
/// (for <paramref name="Exptime"/>, default 60 s) that refuses older writes arriving later.</param>
/// <param name="Advance">The new version's CAS is raised above the key's current version when <paramref name="CasNew"/> is not newer.</param>
public readonly record struct CacheWriteOptions(ulong CasIn = 0, ulong CasNew = 0, bool Invalidate = false, long? Exptime = null, bool Stale = false,
    bool Ordered = false, bool Advance = false);

namespace Mnemo.DataPlane;

/// <summary>What a read reports about an item besides its value.</summary>
/// <param name="Flags">The client flags stored with the item.</param>
/// <param name="ValueLength">Length of the value in bytes.</param>
/// <param name="Exptime">Absolute unix time the item expires at; 0 = never.</param>
/// <param name="Cas">The item's CAS unique.</param>
/// <param name="LastAccess">Unix time of the last access before this one.</param>
/// <param name="Fetched">True when the item had been read before this read.</param>
/// <param name="State">The item's lease state, and what this read did to it (won, vivified).</param>
public readonly record struct CacheItemInfo(uint Flags, int ValueLength, long Exptime, ulong Cas, long LastAccess, bool Fetched,
    CacheItemState State = CacheItemState.None);

namespace Mnemo.DataPlane;

/// <summary>
/// The lease state of an item as a read saw it (memcached's stale / token-sent bits and the meta
/// protocol's W, X and Z reply flags). Sent as a byte by the data plane and cast from the engine's
/// <see cref="Mnemo.NativeEngine.ItemState"/>: the bits are fixed and equal to it.
/// </summary>
[Flags]
public enum CacheItemState : byte
{
    None = 0,

    /// <summary>The item was invalidated (ms I / md I); its value is served marked stale (X).</summary>
    Stale = 1,

    /// <summary>A reader had already won the right to recache before this read (Z).</summary>
    TokenSent = 2,

    /// <summary>This read won the right to recache (W).</summary>
    Won = 4,

    /// <summary>This read created the empty item on a miss (mg N).</summary>
    Vivified = 8,
}

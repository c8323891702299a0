namespace Mnemo.NativeEngine;

/// <summary>Mirrors the <c>MNEMO_ITEM_*</c> bits of <c>mnemo_item_info.state</c> (memcached's stale/token state).</summary>
[Flags]
public enum ItemState : uint
{
    None = 0,

    /// <summary>The item was invalidated (ms I / md I); its value is served marked stale (memcached's X).</summary>
    Stale = 1,

    /// <summary>A reader had already won the right to recache before this call (memcached's Z).</summary>
    TokenSent = 2,

    /// <summary>This read won the right to recache (memcached's W).</summary>
    Won = 4,

    /// <summary>This read created the (empty) item on a miss (mg N).</summary>
    Vivified = 8,

    /// <summary>Reported by <see cref="EnginePool.ScanVersions"/> only: the version is a delete's tombstone (no value).</summary>
    Tombstone = 16,
}

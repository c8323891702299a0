namespace Mnemo.DataPlane;

/// <summary>The memcached storage commands.</summary>
public enum CacheStoreMode
{
    Set,
    Add,
    Replace,
    Append,
    Prepend,
    /// <summary>Store only when the item's CAS unique equals the one given.</summary>
    Cas,
}

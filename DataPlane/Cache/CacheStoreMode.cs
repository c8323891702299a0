namespace Mnemo.DataPlane;

/// <summary>The memcached storage commands. The data plane sends the mode as a byte and the engine
/// takes it as <see cref="Mnemo.NativeEngine.StoreMode"/>: the numbers are fixed and equal to it.</summary>
public enum CacheStoreMode
{
    Set = 0,
    Add = 1,
    Replace = 2,
    Append = 3,
    Prepend = 4,
    /// <summary>Store only when the item's CAS unique equals the one given.</summary>
    Cas = 5,
}

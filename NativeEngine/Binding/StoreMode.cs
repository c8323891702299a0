namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_store_mode</c>: the memcached storage commands.</summary>
public enum StoreMode
{
    Set = 0,
    Add = 1,
    Replace = 2,
    Append = 3,
    Prepend = 4,
    Cas = 5,
}

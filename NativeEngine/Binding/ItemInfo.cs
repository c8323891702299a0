using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_item_info</c>: what a read reports about an item besides its value.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ItemInfo
{
    private uint _flags;
    private uint _valueLength;
    private long _exptime;
    private ulong _cas;
    private long _lastAccess;
    private uint _fetched;
    private uint _state;

    /// <summary>The client flags stored with the item.</summary>
    public readonly uint Flags => _flags;

    /// <summary>Length of the value in bytes.</summary>
    public readonly int ValueLength => (int)_valueLength;

    /// <summary>Absolute unix time the item expires at; 0 = never.</summary>
    public readonly long Exptime => _exptime;

    /// <summary>The item's CAS unique.</summary>
    public readonly ulong Cas => _cas;

    /// <summary>Unix time of the last access.</summary>
    public readonly long LastAccess => _lastAccess;

    /// <summary>True when the item had been read before this call (memcached's "fetched" bit).</summary>
    public readonly bool Fetched => _fetched != 0;

    /// <summary>The item's stale/token state and what this read did (won, vivified).</summary>
    public readonly ItemState State => (ItemState)_state;

    internal void SetFetched(bool fetched) => _fetched = fetched ? 1u : 0u;
}

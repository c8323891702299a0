namespace Mnemo.DataPlane;

/// <summary>
/// The keys one replica missed while it did not answer, bounded so a long outage cannot exhaust
/// memory: past the bound the log reports overflow and the replica needs a full resync instead.
/// A key carries the version of the newest delete of it the replica missed (0: none), so the repair
/// can leave the same tombstone as that delete did on the others. Thread-safe.
/// </summary>
public sealed class HintLog(int capacity)
{
    private readonly Dictionary<byte[], ulong> _keys = new(ByteKeyComparer.Instance);

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_keys)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>
    /// Records a missed write of <paramref name="key"/>: a delete of version <paramref name="deleteVersion"/>, or any
    /// other write (0). False when the log is full (the key was not recorded).
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> key, ulong deleteVersion)
    {
        lock (_keys)
        {
            Dictionary<byte[], ulong>.AlternateLookup<ReadOnlySpan<byte>> lookup = _keys.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(key, out ulong recorded))
            {
                lookup[key] = Math.Max(recorded, deleteVersion);
                return true;
            }
            if (_keys.Count >= Capacity)
            {
                return false;
            }
            lookup[key] = deleteVersion;
            return true;
        }
    }

    public bool Contains(ReadOnlySpan<byte> key)
    {
        lock (_keys)
        {
            return _keys.Count != 0 && _keys.GetAlternateLookup<ReadOnlySpan<byte>>().ContainsKey(key);
        }
    }

    /// <summary>Removes and returns every recorded key.</summary>
    public HintedKey[] Drain()
    {
        lock (_keys)
        {
            HintedKey[] keys = [.. _keys.Select(k => new HintedKey(k.Key, k.Value))];
            _keys.Clear();
            return keys;
        }
    }

    public void Clear()
    {
        lock (_keys)
        {
            _keys.Clear();
        }
    }
}

/// <summary>A key a replica missed, with the version of the newest delete of it that it missed (0: none).</summary>
public readonly record struct HintedKey(byte[] Key, ulong DeleteVersion);

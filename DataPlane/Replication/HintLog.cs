namespace Mnemo.DataPlane;

/// <summary>
/// The keys one replica missed while it did not answer, bounded so a long outage cannot exhaust
/// memory: past the bound the log reports overflow and the replica needs a full resync instead.
/// Thread-safe.
/// </summary>
public sealed class HintLog(int capacity)
{
    private readonly HashSet<byte[]> _keys = new(ByteKeyComparer.Instance);

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

    /// <summary>Records a missed key; false when the log is full (the key was not recorded).</summary>
    public bool TryAdd(ReadOnlySpan<byte> key)
    {
        lock (_keys)
        {
            if (_keys.Count >= Capacity && !_keys.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(key))
            {
                return false;
            }
            _keys.GetAlternateLookup<ReadOnlySpan<byte>>().Add(key);
            return true;
        }
    }

    public bool Contains(ReadOnlySpan<byte> key)
    {
        lock (_keys)
        {
            return _keys.Count != 0 && _keys.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(key);
        }
    }

    /// <summary>Removes and returns every recorded key.</summary>
    public byte[][] Drain()
    {
        lock (_keys)
        {
            byte[][] keys = [.. _keys];
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

using System.Text;

namespace Mnemo.OrleansBench;

/// <summary>The keys and value every replica-write path writes, in the same order.</summary>
internal sealed record ReplicaData(byte[][] Keys, byte[] Value)
{
    /// <summary>Enough distinct keys to touch many items, few enough to fit the pools without eviction.</summary>
    private const int MaxDistinctKeys = 50_000;

    public static ReplicaData Create(int writes, int valueSize)
    {
        byte[][] keys = Enumerable.Range(0, Math.Min(writes, MaxDistinctKeys))
            .Select(i => Encoding.ASCII.GetBytes($"replica:{i:D10}:".PadRight(BenchSettings.KeySize, 'k')))
            .ToArray();
        byte[] value = new byte[valueSize];
        new Random(42).NextBytes(value);
        return new ReplicaData(keys, value);
    }
}

using System.Collections.Concurrent;

namespace Mnemo.DataPlane;

/// <summary>
/// The Memshacks this silo serves, with the replica set of every shard: filled by the silo's
/// Memshack service, read by the status grains. One per silo.
/// </summary>
public sealed class ServedMemshacks
{
    private readonly ConcurrentDictionary<string, ServedShard[]> _memshacks = new(StringComparer.Ordinal);

    public ServedMemshacks(int dataPort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataPort);
        DataPort = dataPort;
    }

    /// <summary>The port of this silo's data plane, which peers connect to for remote replicas.</summary>
    public int DataPort { get; }

    /// <summary>Registers (or replaces) the shards of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    public void Set(string memshack, IReadOnlyList<ServedShard> shards) => _memshacks[memshack] = [.. shards];

    public void Remove(string memshack) => _memshacks.TryRemove(memshack, out _);

    public ServedShard? Find(string memshack, int shard) =>
        _memshacks.TryGetValue(memshack, out ServedShard[]? shards) && (uint)shard < (uint)shards.Length ? shards[shard] : null;
}

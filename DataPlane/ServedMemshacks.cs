using System.Collections.Concurrent;

namespace Mnemo.DataPlane;

/// <summary>
/// The Memshacks this silo serves, with the replica set of every shard and the store of its
/// gateway: filled by the silo's Memshack service, read by the status grains and the gRPC gateway.
/// One per silo.
/// </summary>
public sealed class ServedMemshacks
{
    private readonly ConcurrentDictionary<string, ServedShard[]> _memshacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServedGateway> _gateways = new(StringComparer.Ordinal);
    // Looked up per cache call by namespace and name without building the key string.
    private readonly ConcurrentDictionary<string, ServedGateway>.AlternateLookup<ReadOnlySpan<char>> _gatewaysBySpan;

    public ServedMemshacks(int dataPort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataPort);
        DataPort = dataPort;
        _gatewaysBySpan = _gateways.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The port of this silo's data plane, which peers connect to for remote replicas.</summary>
    public int DataPort { get; }

    /// <summary>Registers (or replaces) the shards of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    public void Set(string memshack, IReadOnlyList<ServedShard> shards) => _memshacks[memshack] = [.. shards];

    /// <summary>Registers (or replaces) the gateway of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    public void SetGateway(string memshack, ServedGateway gateway) => _gateways[memshack] = gateway;

    public void Remove(string memshack)
    {
        _memshacks.TryRemove(memshack, out _);
        _gateways.TryRemove(memshack, out _);
    }

    /// <summary>The <c>namespace/name</c> of every Memshack served, in order.</summary>
    public IReadOnlyList<string> Names => _memshacks.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The shards of <paramref name="memshack"/> (<c>namespace/name</c>), or null when it is not served.</summary>
    public IReadOnlyList<ServedShard>? FindShards(string memshack) => _memshacks.TryGetValue(memshack, out ServedShard[]? shards) ? shards : null;

    /// <summary>The gateway of Memshack <paramref name="namespace"/>/<paramref name="name"/>, or null when it is not served.</summary>
    public ServedGateway? FindGateway(string @namespace, string name)
    {
        int length = @namespace.Length + 1 + name.Length;
        Span<char> key = length <= 256 ? stackalloc char[length] : new char[length];
        @namespace.CopyTo(key);
        key[@namespace.Length] = '/';
        name.CopyTo(key[(@namespace.Length + 1)..]);
        return _gatewaysBySpan.TryGetValue(key, out ServedGateway? gateway) ? gateway : null;
    }

    public ServedShard? Find(string memshack, int shard) =>
        _memshacks.TryGetValue(memshack, out ServedShard[]? shards) && (uint)shard < (uint)shards.Length ? shards[shard] : null;
}

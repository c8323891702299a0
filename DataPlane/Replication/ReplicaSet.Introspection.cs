
namespace Mnemo.DataPlane;

// What a gateway's introspection commands show for a replicated shard.
public sealed partial class ReplicaSet : ICacheStoreIntrospection
{
    /// <summary>The memory of the first replica that can describe its own (the local one); empty when every replica is remote.</summary>
    public string MemoryName => LocalIntrospection?.MemoryName ?? "";

    /// <summary>The slab classes of the first replica that can describe its own (the local one): remote replicas report none.</summary>
    public IReadOnlyList<CacheSlabStats> GetSlabStats() => LocalIntrospection?.GetSlabStats() ?? [];

    /// <summary>Every replica of the shard, by name, whichever serves reads for the key.</summary>
    public CacheRoute DescribeRoute(ReadOnlySpan<byte> key) => new(0, 1, _slots.Select(s => s.Replica.Name).ToArray());

    long? ICacheStoreIntrospection.RepairedKeys => RepairedKeys;

    private ICacheStoreIntrospection? LocalIntrospection => _slots.Select(s => s.Replica).OfType<ICacheStoreIntrospection>().FirstOrDefault();
}

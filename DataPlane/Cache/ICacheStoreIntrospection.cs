namespace Mnemo.DataPlane;

/// <summary>
/// What a store can tell about itself beyond cache operations, for a gateway's introspection
/// commands (<c>stats slabs</c>, <c>stats items</c>, <c>get __mcrouter__.route(op,key)</c>). Optional:
/// a gateway serves a store without it and answers those commands with what it knows. Both calls
/// read local state only, so they are synchronous.
/// </summary>
public interface ICacheStoreIntrospection
{
    /// <summary>
    /// Names the memory behind the store (an engine pool). Stores over the same memory report the same
    /// name, so an aggregate over several of them counts that memory's slab classes once.
    /// </summary>
    string MemoryName { get; }

    /// <summary>Per slab class usage of the memory behind the store.</summary>
    IReadOnlyList<CacheSlabStats> GetSlabStats();

    /// <summary>Where <paramref name="key"/> is routed: its shard and the replicas serving it.</summary>
    CacheRoute DescribeRoute(ReadOnlySpan<byte> key);

    /// <summary>Keys anti-entropy repaired in the replicas behind the store; null for a store without replicas.</summary>
    long? RepairedKeys { get; }
}

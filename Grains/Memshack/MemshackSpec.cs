using Mnemo.DataPlane;

namespace Mnemo.Grains;

/// <summary>
/// The spec of a <c>Memshack</c> resource. Field names (in manifests) and defaults are the original
/// Memshack operator's; <see cref="WriteQuorum"/> is Mnemo's addition.
/// </summary>
public sealed record MemshackSpec
{
    public const int DefaultNumShards = 3;
    public const int DefaultNumReplicas = 2;
    public const int DefaultMcrouterPoolSize = 2;
    public const int DefaultMcrouterPort = 5000;
    public const string DefaultMemcachedImage = "memcached:1.6-alpine";
    public const string DefaultMcrouterImage = "mcrouter/mcrouter:latest";

    /// <summary><c>num_shards</c>: how many Ch3 shards the keyspace is split into.</summary>
    public int NumShards { get; init; } = DefaultNumShards;

    /// <summary><c>num_replicas</c>: copies of each shard, each on a distinct node.</summary>
    public int NumReplicas { get; init; } = DefaultNumReplicas;

    /// <summary><c>mcrouter_pool_size</c>: gateway instances (mcrouter pods in external mode).</summary>
    public int McrouterPoolSize { get; init; } = DefaultMcrouterPoolSize;

    /// <summary><c>mcrouter_port</c>: the port clients connect to.</summary>
    public int McrouterPort { get; init; } = DefaultMcrouterPort;

    /// <summary><c>memcached_image</c>: used only when the resource is projected in external mode.</summary>
    public string MemcachedImage { get; init; } = DefaultMemcachedImage;

    /// <summary><c>mcrouter_image</c>: used only when the resource is projected in external mode.</summary>
    public string McrouterImage { get; init; } = DefaultMcrouterImage;

    /// <summary><c>writeQuorum</c>: all | majority | one.</summary>
    public WriteQuorum WriteQuorum { get; init; } = WriteQuorum.All;
}

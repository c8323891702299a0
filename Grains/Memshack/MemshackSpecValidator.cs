using Mnemo.DataPlane;

namespace Mnemo.Grains;

/// <summary>
/// Checks a <see cref="MemshackSpec"/> against the rules the data plane relies on. Returns every
/// violation, each naming the manifest field.
/// </summary>
public static class MemshackSpecValidator
{
    /// <summary>memcached's own port: every silo already serves its local gateway there, so a
    /// Memshack cannot claim it.</summary>
    public const int ReservedMemcachedPort = 11211;

    /// <param name="spec">The spec to check.</param>
    /// <param name="nodeCount">Nodes that can hold replicas, when known; replicas must sit on distinct nodes.</param>
    public static IReadOnlyList<string> Validate(MemshackSpec spec, int? nodeCount = null)
    {
        var errors = new List<string>();

        if (spec.NumShards < 1)
        {
            errors.Add($"spec.num_shards: must be at least 1, got {spec.NumShards}");
        }
        else if ((uint)spec.NumShards > FurcHash.MaxPoolSize)
        {
            errors.Add($"spec.num_shards: Ch3 routing supports at most {FurcHash.MaxPoolSize} shards, got {spec.NumShards}");
        }

        if (spec.NumReplicas < 1)
        {
            errors.Add($"spec.num_replicas: must be at least 1, got {spec.NumReplicas}");
        }
        else if (nodeCount is { } nodes && spec.NumReplicas > nodes)
        {
            errors.Add($"spec.num_replicas: {spec.NumReplicas} replicas need {spec.NumReplicas} distinct nodes, but only {nodes} are available");
        }

        if (spec.McrouterPoolSize < 1)
        {
            errors.Add($"spec.mcrouter_pool_size: must be at least 1, got {spec.McrouterPoolSize}");
        }

        if (spec.McrouterPort is < 1 or > 65535)
        {
            errors.Add($"spec.mcrouter_port: must be between 1 and 65535, got {spec.McrouterPort}");
        }
        else if (spec.McrouterPort == ReservedMemcachedPort)
        {
            errors.Add($"spec.mcrouter_port: {ReservedMemcachedPort} is reserved for each silo's own memcached gateway");
        }

        if (string.IsNullOrWhiteSpace(spec.MemcachedImage))
        {
            errors.Add("spec.memcached_image: must not be empty");
        }
        if (string.IsNullOrWhiteSpace(spec.McrouterImage))
        {
            errors.Add("spec.mcrouter_image: must not be empty");
        }

        return errors;
    }
}

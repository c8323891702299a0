namespace Mnemo.DataPlane;

/// <summary>Maps memcached keys to shard indexes the way an mcrouter Ch3 pool of the same size does.</summary>
public sealed class Ch3Router
{
    public Ch3Router(int shardCount)
    {
        if (shardCount < 1 || (uint)shardCount > FurcHash.MaxPoolSize)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"Shard count must be between 1 and {FurcHash.MaxPoolSize}.");
        }
        ShardCount = shardCount;
    }

    public int ShardCount { get; }

    public int ShardOf(ReadOnlySpan<byte> key) => (int)FurcHash.Hash(RoutingKey.HashedPart(key), (uint)ShardCount);
}

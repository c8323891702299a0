namespace Mnemo.DataPlane;

/// <summary>
/// The part of a memcached key that picks its shard, following mcrouter: a leading routing prefix
/// <c>/region/cluster/</c> is skipped, and hashing stops before the first <c>|#|</c> so related
/// keys (<c>user:1|#|name</c>, <c>user:1|#|mail</c>) share a shard.
/// </summary>
public static class RoutingKey
{
    private static ReadOnlySpan<byte> HashStop => "|#|"u8;

    /// <summary>Length of the <c>/region/cluster/</c> prefix, or 0 when the key has none.</summary>
    public static int RoutingPrefixLength(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key[0] != (byte)'/')
        {
            return 0;
        }
        int position = 1;
        for (int component = 0; component < 2; component++)
        {
            int slash = key.Slice(position).IndexOf((byte)'/');
            if (slash < 0)
            {
                return 0;
            }
            position += slash + 1;
        }
        return position;
    }

    /// <summary>The key without its routing prefix.</summary>
    public static ReadOnlySpan<byte> WithoutRoutingPrefix(ReadOnlySpan<byte> key) => key.Slice(RoutingPrefixLength(key));

    /// <summary>The bytes that are hashed to choose a shard.</summary>
    public static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> withoutPrefix = WithoutRoutingPrefix(key);
        int stop = withoutPrefix.IndexOf(HashStop);
        return stop < 0 ? withoutPrefix : withoutPrefix.Slice(0, stop);
    }
}

using System.Globalization;

namespace Mnemo.DataPlane;

/// <summary>Names of the engine regions that hold Memshack shards; the same on every node, so a
/// peer's data-plane request names the region it means.</summary>
public static class MemshackRegions
{
    /// <summary><c>memshack.&lt;namespace&gt;.&lt;name&gt;.&lt;shard&gt;</c>.</summary>
    public static string Of(string @namespace, string name, int shard) => $"{Prefix(@namespace, name)}{shard}";

    /// <summary>The shard a region of this Memshack holds, or -1 when <paramref name="region"/> is not one of its regions.</summary>
    public static int ShardOf(string region, string @namespace, string name)
    {
        string prefix = Prefix(@namespace, name);
        return region.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(region.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int shard)
                ? shard
                : -1;
    }

    private static string Prefix(string @namespace, string name) => $"memshack.{@namespace}.{name}.";
}

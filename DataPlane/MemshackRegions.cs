namespace Mnemo.DataPlane;

/// <summary>Names of the engine regions that hold Memshack shards; the same on every node, so a
/// peer's data-plane request names the region it means.</summary>
public static class MemshackRegions
{
    /// <summary><c>memshack.&lt;namespace&gt;.&lt;name&gt;.&lt;shard&gt;</c>.</summary>
    public static string Of(string @namespace, string name, int shard) => $"memshack.{@namespace}.{name}.{shard}";
}

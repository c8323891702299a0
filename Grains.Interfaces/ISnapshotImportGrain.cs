namespace Mnemo.Grains.Interfaces;

/// <summary>
/// Writes items of a cluster snapshot file into a Memshack through the gateway of the silo it runs on: every
/// key routed by Ch3 to its shard under the Memshack's current topology, and written to every replica of
/// that shard by its replica set. A stateless worker (key 0): it runs where it is called.
/// </summary>
[Alias("mnemo.SnapshotImport")]
public interface ISnapshotImportGrain : IGrainWithIntegerKey
{
    /// <summary>The number of shards this silo serves <paramref name="memshack"/> (<c>namespace/name</c>) with; 0 when it does not serve it.</summary>
    [Alias("Shards")]
    Task<int> ShardsAsync(string memshack);

    /// <summary>Writes <paramref name="items"/> to <paramref name="memshack"/>, each keeping its value, flags, exptime, CAS and stale mark; items already expired are skipped.</summary>
    [Alias("Write")]
    Task<SnapshotImportResult> WriteAsync(string memshack, PortableItem[] items);
}

namespace Mnemo.Grains.Interfaces;

/// <summary>
/// The engine snapshots of one node's Memshack replicas; key = node name, so the activation lives on
/// that node's silo, next to the pool (and a call for a node whose silo is down fails).
/// </summary>
[Alias("mnemo.NodeSnapshot")]
public interface INodeSnapshotGrain : IGrainWithStringKey
{
    /// <summary>
    /// Throws, with the reason, unless this node serves each of <paramref name="shards"/> of <paramref name="memshack"/>
    /// with a replica here and every replica of them in sync as this node sees them (no pending hints).
    /// </summary>
    [Alias("Check")]
    Task CheckAsync(string memshack, int[] shards);

    /// <summary>Checks as <see cref="CheckAsync"/> does, then takes an engine snapshot (O(1)) of this node's replica of each of <paramref name="shards"/> of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    [Alias("Snapshot")]
    Task<ReplicaSnapshot[]> SnapshotAsync(string memshack, int[] shards);

    /// <summary>Makes this node's replicas the state of their snapshots in <paramref name="snapshots"/> (those of other nodes are skipped).</summary>
    [Alias("Restore")]
    Task RestoreAsync(ReplicaSnapshot[] snapshots);

    /// <summary>Deletes this node's snapshots in <paramref name="snapshots"/>, releasing the versions only they kept; ones already gone are skipped. The number deleted.</summary>
    [Alias("Delete")]
    Task<int> DeleteAsync(ReplicaSnapshot[] snapshots);
}

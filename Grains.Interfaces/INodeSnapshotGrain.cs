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

    /// <summary>
    /// Makes this node's replicas of <paramref name="memshack"/> the state of their snapshots in <paramref name="snapshots"/>
    /// (those of other nodes are skipped), each after taking an undo point (an engine snapshot of its state before), which
    /// this node keeps until <see cref="EndRestoreAsync"/> or <see cref="RollBackRestoreAsync"/>. All of this node's part or none.
    /// </summary>
    [Alias("Restore")]
    Task RestoreAsync(string memshack, ReplicaSnapshot[] snapshots);

    /// <summary>Switches this node's replicas of <paramref name="memshack"/> back to the undo points of its last restore and deletes them; the number switched back.</summary>
    [Alias("RollBackRestore")]
    Task<int> RollBackRestoreAsync(string memshack);

    /// <summary>Deletes the undo points of this node's last restore of <paramref name="memshack"/>: the restore is done. The number deleted.</summary>
    [Alias("EndRestore")]
    Task<int> EndRestoreAsync(string memshack);

    /// <summary>Deletes this node's snapshots in <paramref name="snapshots"/>, releasing the versions only they kept; ones already gone are skipped. The number deleted.</summary>
    [Alias("Delete")]
    Task<int> DeleteAsync(ReplicaSnapshot[] snapshots);
}

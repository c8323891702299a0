namespace Mnemo.Grains.Interfaces;

/// <summary>
/// Runs one cluster snapshot of a Memshack; key <c>namespace/name</c> of its <c>ClusterSnapshot</c>
/// resource. Silos call it whenever the resource is new, not finished, or being deleted; the resource
/// (spec and status) holds the state, so any activation carries on from what it records.
/// </summary>
[Alias("mnemo.ClusterSnapshot")]
public interface IClusterSnapshotGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes the snapshot when the resource asks for it, or deletes its engine snapshots when the resource
    /// is being deleted; returns at once with the status (null when the resource does not exist).
    /// </summary>
    [Alias("Reconcile")]
    Task<ClusterSnapshotStatus?> ReconcileAsync();

    /// <summary>
    /// Runs the <c>ClusterSnapshotRestore</c> resource <paramref name="restore"/> (its name, in this
    /// snapshot's namespace) unless it is finished; returns at once with its status (null when it does not exist).
    /// </summary>
    [Alias("ReconcileRestore")]
    Task<ClusterSnapshotRestoreStatus?> ReconcileRestoreAsync(string restore);
}

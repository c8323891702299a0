namespace Mnemo.Grains.Interfaces;

/// <summary>
/// Moves one Memshack between topologies; key <c>namespace/name</c>. Silos call it whenever a
/// Memshack's spec asks for another shard or replica count than the one it is served with, or the
/// cluster's known nodes differ from the ones its topology is placed over (and while a move is under
/// way, to keep it going after a silo died): it records the move in the resource's status and runs it
/// to the end, resuming from the recorded phase after a failure.
/// </summary>
[Alias("mnemo.MemshackTopologyGrain")]
public interface IMemshackTopologyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts or resumes moving the Memshack to its spec's shard and replica counts over the cluster's
    /// known nodes; returns at once with the move under way, or null when none is needed (or possible yet:
    /// a joining node is not active).
    /// </summary>
    [Alias("Reconcile")]
    Task<MemshackMove?> ReconcileAsync();
}

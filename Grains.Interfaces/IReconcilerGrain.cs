namespace Mnemo.Grains.Interfaces;

/// <summary>
/// The reconciler's view into the cluster. Key = the node name of the silo that holds the reconciler's
/// Lease, and the activation is pinned to that silo: only the elected silo reconciles, so a grain keyed
/// by another node is never called. It reports the actual state the reconciler projects into Kubernetes.
/// </summary>
[Alias("mnemo.Reconciler")]
public interface IReconcilerGrain : IGrainWithStringKey
{
    /// <summary>Whether every shard of <paramref name="memshack"/> (<c>namespace/name</c>) has all its replicas in sync.</summary>
    [Alias("ObserveMemshack")]
    Task<MemshackReadiness> ObserveMemshackAsync(string memshack, int shards);

    /// <summary>The active nodes that still serve <paramref name="memshack"/> (<c>namespace/name</c>) or hold a region of it;
    /// empty once every active silo stopped serving it and dropped its regions.</summary>
    [Alias("NodesHoldingMemshack")]
    Task<string[]> NodesHoldingMemshackAsync(string memshack);

    /// <summary>Applies a MemoryMachine's <paramref name="target"/> to the pool of each of <paramref name="nodes"/>; a node
    /// that does not answer is reported not ready (reason <c>NodeUnreachable</c>).</summary>
    [Alias("ApplyNodePools")]
    Task<NodePoolState[]> ApplyNodePoolsAsync(string[] nodes, NodePoolTarget target);
}

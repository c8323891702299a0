using Mnemo.Grains.Memshack.Replication;
using Mnemo.Grains.NodeMemory;
using Mnemo.Runtime;

namespace Mnemo.Grains.Memshack;

/// <summary>Answers for this silo: its data-plane port and its replica sets' view of a shard.</summary>
public sealed class MemshackNodeGrain(NodePool nodePool, ServedMemshacks served) : Grain, IMemshackNodeGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Node-pinned placement should make this impossible; a mismatch would report another silo's view.
        if (!string.Equals(GetPrimaryKeyString(), nodePool.NodeName, StringComparison.Ordinal))
            throw new InvalidOperationException($"MemshackNodeGrain '{GetPrimaryKeyString()}' activated on node '{nodePool.NodeName}'");
        return Task.CompletedTask;
    }

    public Task<int> GetDataPortAsync() => Task.FromResult(served.DataPort);

    public Task<MemshackShardStatus> GetShardViewAsync(string memshack, int shard)
    {
        var view = new MemshackShardStatus { Memshack = memshack, Shard = shard };
        if (served.Find(memshack, shard) is { } found)
        {
            view.Served = true;
            IReadOnlyList<ReplicaStatus> statuses = found.Replicas.GetReplicaStatuses();
            for (int i = 0; i < found.Nodes.Count; i++)
            {
                view.Replicas.Add(new MemshackReplicaStatus
                {
                    Node = found.Nodes[i],
                    State = ReplicaStateNames.Of(statuses[i].State),
                    PendingHints = statuses[i].PendingHints,
                });
            }
        }
        return Task.FromResult(view);
    }
}

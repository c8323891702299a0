using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Answers for this silo: its data-plane port, its replica sets' view of a shard, and the steps of a move between topologies.</summary>
[NodePinnedPlacement, Immovable]
public sealed class MemshackNodeGrain(NodePool nodePool, ServedMemshacks served, IMemshackHost host) : Grain, IMemshackNodeGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<int> GetDataPortAsync() => Task.FromResult(served.DataPort);

    public Task<MemshackShardStatus> GetShardViewAsync(string memshack, int shard)
    {
        if (served.Find(memshack, shard) is not { } found)
            return Task.FromResult(MemshackShardStatus.NotServed(memshack, shard));
        IReadOnlyList<ReplicaStatus> statuses = found.Replicas.GetReplicaStatuses();
        var replicas = new MemshackReplicaStatus[found.Nodes.Count];
        for (int i = 0; i < replicas.Length; i++)
            replicas[i] = new MemshackReplicaStatus(found.Nodes[i], ReplicaStateNames.Of(statuses[i].State), statuses[i].PendingHints);
        return Task.FromResult(new MemshackShardStatus(memshack, shard, true, replicas, [], found.Replicas.RepairedKeys));
    }

    public async Task<MemshackShardVerification> VerifyShardAsync(string memshack, int shard)
    {
        if (served.Find(memshack, shard) is not { } found)
            return MemshackShardVerification.NotServed(memshack, shard);
        ReplicaComparison comparison = await found.Replicas.CompareAsync(repair: false, MemshackShardVerification.MaxReportedKeys);
        IReadOnlyList<ReplicaStatus> replicas = found.Replicas.GetReplicaStatuses();
        string[] unreachable = found.Nodes.Where((_, i) => comparison.UnreachableReplicas.Contains(replicas[i].Name)).ToArray();
        MemshackDifferingKey[] keys = comparison.Keys.Select(k => new MemshackDifferingKey(k.Key, [.. k.Versions])).ToArray();
        return new MemshackShardVerification(memshack, shard, true, [.. found.Nodes], unreachable, comparison.DifferingKeys, keys, comparison.Truncated);
    }

    public Task BeginMoveAsync(string memshack, MemshackTopology from, MemshackTopology to) =>
        host.BeginMoveAsync(memshack, from, to, CancellationToken.None);

    public Task<ShardMoveProgress> MoveShardAsync(string memshack, int shard) => Task.FromResult(host.MoveShard(memshack, shard));

    public Task<long> CountShardItemsAsync(string memshack, int shard) => host.CountShardItemsAsync(memshack, shard, CancellationToken.None);

    public Task HoldWritesAsync(string memshack, TimeSpan lease) => host.HoldWritesAsync(memshack, lease, CancellationToken.None);

    public Task ReleaseWritesAsync(string memshack)
    {
        host.ReleaseWrites(memshack);
        return Task.CompletedTask;
    }

    public Task CompleteMoveAsync(string memshack, MemshackTopology to) => host.CompleteMoveAsync(memshack, to, CancellationToken.None);

    public Task<long> CleanUpMoveAsync(string memshack, MemshackTopology topology) => host.CleanUpMoveAsync(memshack, topology, CancellationToken.None);
}

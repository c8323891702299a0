using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Orleans.Runtime;

namespace Mnemo.Silo;

/// <summary>
/// What the management console shows, read afresh on every poll: the nodes (membership and each
/// pool's capacity and use), the Memshacks this silo serves with each shard's replicas as the shard
/// grains merge them, and the cluster snapshots and restores in the Kubernetes API.
/// </summary>
public sealed class ConsoleOverview(IClusterMembershipService membership, IGrainFactory grains, ServedMemshacks served,
    KubernetesConnection kubernetes, SiloSettings settings, ILogger<ConsoleOverview> logger)
{
    // A node or shard that does not answer within this shows as unreachable instead of holding the page.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    public ClusterSnapshotResources Snapshots { get; } = new(kubernetes);

    public async Task<ConsoleState> ReadAsync(CancellationToken cancellationToken)
    {
        Task<IReadOnlyList<ConsoleNode>> nodes = NodesAsync();
        Task<IReadOnlyList<ConsoleMemshack>> memshacks = MemshacksAsync();
        Task<IReadOnlyList<ClusterSnapshotView>> snapshots = Snapshots.ListAsync(cancellationToken);
        Task<IReadOnlyList<ClusterSnapshotRestoreView>> restores = Snapshots.ListRestoresAsync(cancellationToken);
        await Task.WhenAll(nodes, memshacks, snapshots, restores);
        return new ConsoleState(settings.NodeName, DateTimeOffset.UtcNow, nodes.Result, memshacks.Result, snapshots.Result, restores.Result);
    }

    private async Task<IReadOnlyList<ConsoleNode>> NodesAsync()
    {
        // Each node's newest incarnation: an older, dead generation is history, not a node.
        ClusterMember[] members = membership.CurrentSnapshot.Members.Values
            .GroupBy(m => m.Name)
            .Select(g => g.MaxBy(m => m.SiloAddress.Generation)!)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToArray();
        return await Task.WhenAll(members.Select(NodeAsync));
    }

    private async Task<ConsoleNode> NodeAsync(ClusterMember member)
    {
        string address = member.SiloAddress.Endpoint.ToString();
        if (member.Status != SiloStatus.Active)
            return new ConsoleNode(member.Name, address, member.Status.ToString(), null, null);
        try
        {
            NodeUsage usage = await grains.GetGrain<INodeMemoryGrain>(member.Name).GetUsageAsync().WaitAsync(CallTimeout);
            return new ConsoleNode(member.Name, address, member.Status.ToString(), usage, null);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or NodeUnavailableException)
        {
            return new ConsoleNode(member.Name, address, member.Status.ToString(), null, e.Message);
        }
    }

    private async Task<IReadOnlyList<ConsoleMemshack>> MemshacksAsync()
    {
        var result = new List<ConsoleMemshack>();
        foreach (string name in served.Names)
        {
            if (served.FindShards(name) is not { } shards)
                continue;
            int slash = name.IndexOf('/');
            ServedGateway? gateway = served.FindGateway(name[..slash], name[(slash + 1)..]);
            ConsoleShard[] states = await Task.WhenAll(shards.Select(shard => ShardAsync(name, shard)));
            result.Add(new ConsoleMemshack(name, shards.Count, shards.Count == 0 ? 0 : shards[0].Nodes.Count, gateway?.MemcachedPort, states));
        }
        return result;
    }

    private async Task<ConsoleShard> ShardAsync(string memshack, ServedShard shard)
    {
        try
        {
            MemshackShardStatus status = await grains.GetGrain<IMemshackShardGrain>($"{memshack}/{shard.Index}").GetStatusAsync().WaitAsync(CallTimeout);
            return new ConsoleShard(shard.Index, status.Replicas.Select(r => new ConsoleReplica(r.Node, r.State, r.PendingHints)).ToArray(),
                status.UnansweredNodes, status.RepairedKeys);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            // The shard grain is out of reach: this silo's own replica set still knows its peers' states.
            logger.LogDebug(e, "Shard {Memshack}/{Shard} status from the local replica set", memshack, shard.Index);
            IReadOnlyList<ReplicaStatus> local = shard.Replicas.GetReplicaStatuses();
            return new ConsoleShard(shard.Index,
                local.Select((r, i) => new ConsoleReplica(shard.Nodes[i], ReplicaStateNames.Of(r.State), r.PendingHints)).ToArray(), [], 0);
        }
    }
}

/// <summary>The console's whole page state, as <c>GET /console/api/overview</c> answers it.</summary>
public sealed record ConsoleState(string ServedBy, DateTimeOffset ReadAt, IReadOnlyList<ConsoleNode> Nodes, IReadOnlyList<ConsoleMemshack> Memshacks,
    IReadOnlyList<ClusterSnapshotView> Snapshots, IReadOnlyList<ClusterSnapshotRestoreView> Restores);

/// <param name="Usage">Null when the node is not Active or did not answer (<paramref name="Problem"/> says why).</param>
public sealed record ConsoleNode(string Name, string Address, string Status, NodeUsage? Usage, string? Problem);

public sealed record ConsoleMemshack(string Name, int Shards, int Replicas, int? MemcachedPort, IReadOnlyList<ConsoleShard> ShardMap);

public sealed record ConsoleShard(int Shard, IReadOnlyList<ConsoleReplica> Replicas, IReadOnlyList<string> UnansweredNodes, long RepairedKeys);

public sealed record ConsoleReplica(string Node, string State, int PendingHints);

using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.DataPlane;

namespace Mnemo.Api;

/// <summary><c>mnemo.v1.Memshacks</c>: the Memshacks this silo serves and its replica sets' view of every shard.</summary>
public sealed class MemshacksService(ServedMemshacks served) : V1.Memshacks.MemshacksBase
{
    public override Task<ListMemshacksResponse> List(ListMemshacksRequest request, ServerCallContext context)
    {
        var response = new ListMemshacksResponse();
        foreach (string key in served.Names)
        {
            int slash = key.IndexOf('/');
            var memshack = new MemshackName { Namespace = key[..slash], Name = key[(slash + 1)..] };
            if (Describe(memshack) is { } described)
                response.Memshacks.Add(described.Summary);
        }
        return Task.FromResult(response);
    }

    public override Task<DescribeMemshackResponse> Describe(DescribeMemshackRequest request, ServerCallContext context)
    {
        MemshackName memshack = MemshackLookup.Normalize(request.Memshack);
        return Task.FromResult(Describe(memshack) ?? throw ApiErrors.MemshackNotFound(memshack));
    }

    private DescribeMemshackResponse? Describe(MemshackName memshack)
    {
        string key = ApiErrors.KeyOf(memshack);
        if (served.FindShards(key) is not { } shards || served.FindGateway(memshack.Namespace, memshack.Name) is not { } gateway)
            return null;
        var response = new DescribeMemshackResponse();
        foreach (ServedShard shard in shards)
        {
            IReadOnlyList<ReplicaStatus> statuses = shard.Replicas.GetReplicaStatuses();
            var replicas = new ShardReplicas { Shard = shard.Index };
            for (int i = 0; i < statuses.Count; i++)
                replicas.Replicas.Add(new Replica { Node = shard.Nodes[i], Condition = ConditionOf(statuses[i].State), PendingHints = statuses[i].PendingHints });
            response.Shards.Add(replicas);
        }
        response.Summary = new MemshackSummary
        {
            Memshack = memshack,
            Shards = shards.Count,
            Replicas = shards.Count == 0 ? 0 : shards[0].Nodes.Count,
            MemcachedPort = gateway.MemcachedPort,
            InSync = response.Shards.All(s => s.Replicas.All(r => r.Condition == ReplicaCondition.InSync && r.PendingHints == 0)),
        };
        return response;
    }

    private static ReplicaCondition ConditionOf(ReplicaState state) => state switch
    {
        ReplicaState.InSync => ReplicaCondition.InSync,
        ReplicaState.Resyncing => ReplicaCondition.Resyncing,
        ReplicaState.Unreachable => ReplicaCondition.Unreachable,
        ReplicaState.NeedsResync => ReplicaCondition.NeedsResync,
        _ => ReplicaCondition.Unspecified,
    };
}

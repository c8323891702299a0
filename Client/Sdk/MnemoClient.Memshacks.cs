using Mnemo.Api.V1;

namespace Mnemo.Client;

/// <summary>The Memshacks and their shard maps, over the gRPC API, as the answering silo sees them.</summary>
public sealed partial class MnemoClient
{
    /// <summary>Every Memshack the cluster serves, by <c>namespace/name</c>.</summary>
    public async Task<IReadOnlyList<MemshackInfo>> ListMemshacksAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ListMemshacksResponse response = await _grpc.CallAsync((channel, call) => new Memshacks.MemshacksClient(channel).ListAsync(new ListMemshacksRequest(), call),
            timeout ?? _options.CacheCallTimeout, cancellationToken);
        return response.Memshacks.Select(InfoOf).OrderBy(m => m.Memshack, StringComparer.Ordinal).ToList();
    }

    /// <summary>The shard map of <paramref name="memshack"/>; <see cref="MnemoApiException"/> with reason <c>MEMSHACK_NOT_FOUND</c> when it is not served.</summary>
    public async Task<MemshackShardMap> DescribeMemshackAsync(string memshack, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var request = new DescribeMemshackRequest { Memshack = NameOf(memshack) };
        DescribeMemshackResponse response = await _grpc.CallAsync((channel, call) => new Memshacks.MemshacksClient(channel).DescribeAsync(request, call),
            timeout ?? _options.CacheCallTimeout, cancellationToken);
        return new MemshackShardMap(InfoOf(response.Summary), response.Shards
            .Select(s => new ShardReplicas(s.Shard, s.Replicas.Select(r => new ReplicaState(r.Node, ConditionOf(r.Condition), r.PendingHints)).ToList()))
            .ToList());
    }

    private static MemshackInfo InfoOf(MemshackSummary s) =>
        new($"{s.Memshack.Namespace}/{s.Memshack.Name}", s.Shards, s.Replicas, s.MemcachedPort, s.InSync);

    private static string ConditionOf(ReplicaCondition condition) => condition switch
    {
        ReplicaCondition.InSync => "InSync",
        ReplicaCondition.Resyncing => "Resyncing",
        ReplicaCondition.Unreachable => "Unreachable",
        ReplicaCondition.NeedsResync => "NeedsResync",
        _ => "Unknown",
    };
}

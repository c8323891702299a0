using Mnemo.Grains.NodeMemory;
using Mnemo.Runtime;

namespace Mnemo.Grains.Memshack;

/// <summary>
/// Status of one Memshack shard (key <c>namespace/name/shard</c>). Every silo serving the Memshack
/// keeps its own replica set per shard, so a replica's state is a per-silo view: this grain asks the
/// silos holding the replicas and reports, per replica, the worst state and the most pending hints
/// any of them sees.
/// </summary>
public sealed class MemshackShardGrain(NodePool nodePool) : Grain, IMemshackShardGrain
{
    public async Task<MemshackShardStatus> GetStatusAsync()
    {
        (string memshack, int shard) = ParseKey(GetPrimaryKeyString());
        // Every silo serves every shard, so this silo's view names the replica nodes.
        MemshackShardStatus local = await GrainFactory.GetGrain<IMemshackNodeGrain>(nodePool.NodeName).GetShardViewAsync(memshack, shard);
        var status = new MemshackShardStatus { Memshack = memshack, Shard = shard, Served = local.Served };
        if (!local.Served)
            return status;

        string[] nodes = local.Replicas.Select(r => r.Node).ToArray();
        Task<MemshackShardStatus>[] views = nodes
            .Select(node => node == nodePool.NodeName ? Task.FromResult(local) : GrainFactory.GetGrain<IMemshackNodeGrain>(node).GetShardViewAsync(memshack, shard))
            .ToArray();
        try
        {
            await Task.WhenAll(views);
        }
        catch (Exception)
        {
            // A silo that does not answer is reported below; the others' views still count.
        }

        foreach (string node in nodes)
            status.Replicas.Add(new MemshackReplicaStatus { Node = node, State = ReplicaStateNames.InSync });
        for (int v = 0; v < views.Length; v++)
        {
            if (!views[v].IsCompletedSuccessfully || !views[v].Result.Served)
            {
                status.UnansweredNodes.Add(nodes[v]);
                continue;
            }
            foreach (MemshackReplicaStatus seen in views[v].Result.Replicas)
            {
                MemshackReplicaStatus merged = status.Replicas.First(r => r.Node == seen.Node);
                if (ReplicaStateNames.Severity(seen.State) > ReplicaStateNames.Severity(merged.State))
                    merged.State = seen.State;
                merged.PendingHints = Math.Max(merged.PendingHints, seen.PendingHints);
            }
        }
        // A replica whose own silo is silent cannot be serving.
        foreach (string silent in status.UnansweredNodes)
        {
            MemshackReplicaStatus replica = status.Replicas.First(r => r.Node == silent);
            if (ReplicaStateNames.Severity(replica.State) < ReplicaStateNames.Severity(ReplicaStateNames.Unreachable))
                replica.State = ReplicaStateNames.Unreachable;
        }
        return status;
    }

    /// <summary>Splits <c>namespace/name/shard</c>.</summary>
    public static (string Memshack, int Shard) ParseKey(string key)
    {
        int slash = key.LastIndexOf('/');
        if (slash <= 0 || key.IndexOf('/') == slash || !int.TryParse(key.AsSpan(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int shard))
            throw new ArgumentException($"a Memshack shard key is 'namespace/name/shard', got '{key}'");
        return (key[..slash], shard);
    }
}

using System.Globalization;
using Mnemo.Grains.Interfaces;
using Mnemo.DataPlane;

namespace Mnemo.Grains;

/// <summary>
/// Status of one Memshack shard (key <c>namespace/name/shard</c>). Every silo serving the Memshack
/// keeps its own replica set per shard, so a replica's state is a per-silo view: this grain asks the
/// silos holding the replicas and reports, per replica, the worst state and the most pending hints
/// any of them sees. It holds no state, so Orleans may place it on any silo.
/// </summary>
public sealed class MemshackShardGrain(NodePool nodePool) : Grain, IMemshackShardGrain
{
    public async Task<MemshackShardStatus> GetStatusAsync()
    {
        (string memshack, int shard) = ParseKey(this.GetPrimaryKeyString());
        // Every silo serves every shard, so this silo's view names the replica nodes.
        MemshackShardStatus local = await GrainFactory.GetGrain<IMemshackNodeGrain>(nodePool.NodeName).GetShardViewAsync(memshack, shard);
        if (!local.Served)
            return local;

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

        var merged = nodes.ToDictionary(node => node, node => new MemshackReplicaStatus(node, ReplicaStateNames.InSync, 0), StringComparer.Ordinal);
        var unanswered = new List<string>();
        for (int v = 0; v < views.Length; v++)
        {
            if (!views[v].IsCompletedSuccessfully || !views[v].Result.Served)
            {
                unanswered.Add(nodes[v]);
                continue;
            }
            foreach (MemshackReplicaStatus seen in views[v].Result.Replicas)
            {
                if (!merged.TryGetValue(seen.Node, out MemshackReplicaStatus? known))
                    continue;
                merged[seen.Node] = known with
                {
                    State = Worse(known.State, seen.State),
                    PendingHints = Math.Max(known.PendingHints, seen.PendingHints),
                };
            }
        }
        // A replica whose own silo is silent cannot be serving.
        foreach (string silent in unanswered)
            merged[silent] = merged[silent] with { State = Worse(merged[silent].State, ReplicaStateNames.Unreachable) };
        // Only a silo holding the shard's ordering replica runs anti-entropy for it, and it holds a replica: sum their counts.
        long repaired = views.Where(v => v.IsCompletedSuccessfully && v.Result.Served).Sum(v => v.Result.RepairedKeys);
        return new MemshackShardStatus(memshack, shard, true, nodes.Select(n => merged[n]).ToArray(), unanswered.ToArray(), repaired);
    }

    public Task<MemshackShardVerification> VerifyAsync()
    {
        (string memshack, int shard) = ParseKey(this.GetPrimaryKeyString());
        // Every silo serves every shard, and the replicas compute their digests where they live: this silo's set can compare them.
        return GrainFactory.GetGrain<IMemshackNodeGrain>(nodePool.NodeName).VerifyShardAsync(memshack, shard);
    }

    private static string Worse(string a, string b) => ReplicaStateNames.Severity(b) > ReplicaStateNames.Severity(a) ? b : a;

    /// <summary>Splits <c>namespace/name/shard</c>.</summary>
    public static (string Memshack, int Shard) ParseKey(string key)
    {
        int slash = key.LastIndexOf('/');
        if (slash <= 0 || key.IndexOf('/') == slash || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int shard))
            throw new ArgumentException($"a Memshack shard key is 'namespace/name/shard', got '{key}'");
        return (key[..slash], shard);
    }
}

using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>
/// The reconciler's reader of actual state, on the elected silo (key = its node name, pinned there):
/// asks each shard grain for its replicas' states, which the shard grain merges from the silos holding them,
/// and each active node whether it still serves a Memshack or holds its regions.
/// </summary>
[NodePinnedPlacement, Immovable]
public sealed class ReconcilerGrain(IClusterMembershipService membership) : Grain, IReconcilerGrain
{
    public async Task<MemshackReadiness> ObserveMemshackAsync(string memshack, int shards)
    {
        Task<MemshackShardStatus>[] statuses = Enumerable.Range(0, shards)
            .Select(shard => GrainFactory.GetGrain<IMemshackShardGrain>($"{memshack}/{shard}").GetStatusAsync())
            .ToArray();
        try
        {
            await Task.WhenAll(statuses);
        }
        catch (Exception)
        {
            // A shard whose status could not be read is reported below.
        }

        int ready = 0;
        var problems = new List<string>();
        for (int shard = 0; shard < shards; shard++)
        {
            if (!statuses[shard].IsCompletedSuccessfully)
            {
                problems.Add($"shard {shard}: status unavailable ({statuses[shard].Exception?.InnerException?.Message})");
                continue;
            }
            MemshackShardStatus status = statuses[shard].Result;
            string[] lagging = status.Replicas.Where(r => r.State != ReplicaStateNames.InSync).Select(r => $"{r.Node} {r.State}").ToArray();
            if (!status.Served)
                problems.Add($"shard {shard}: not served yet");
            else if (lagging.Length > 0)
                problems.Add($"shard {shard}: {string.Join(", ", lagging)}");
            else
                ready++;
        }
        return new MemshackReadiness(shards, ready, [.. problems]);
    }

    public async Task<string[]> NodesHoldingMemshackAsync(string memshack)
    {
        int slash = memshack.IndexOf('/');
        (string ns, string name) = (memshack[..slash], memshack[(slash + 1)..]);
        string[] nodes = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Distinct().Order().ToArray();
        bool[] holding = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                // Every silo serves every shard, so shard 0 tells whether it still serves the Memshack.
                if ((await GrainFactory.GetGrain<IMemshackNodeGrain>(node).GetShardViewAsync(memshack, 0)).Served)
                    return true;
                RegionUsage[] regions = await GrainFactory.GetGrain<INodeMemoryGrain>(node).ListRegionsAsync();
                return regions.Any(r => MemshackRegions.ShardOf(r.Name, ns, name) >= 0);
            }
            catch (Exception)
            {
                // A node that does not answer cannot be shown to have let go.
                return true;
            }
        }));
        return nodes.Where((_, i) => holding[i]).ToArray();
    }

    public async Task<NodePoolState[]> ApplyNodePoolsAsync(string[] nodes, NodePoolTarget target) =>
        await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return await GrainFactory.GetGrain<INodeMemoryGrain>(node).ApplyPoolTargetAsync(target);
            }
            catch (Exception error)
            {
                return new NodePoolState(node, false, "NodeUnreachable", error.Message, 0, 0, 0, 0, target.DeviceMode);
            }
        }));
}

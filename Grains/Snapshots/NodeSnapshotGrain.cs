using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Takes, restores and deletes the engine snapshots of this node's Memshack replicas, straight in the node's pool.</summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeSnapshotGrain(NodePool nodePool, ServedMemshacks served) : Grain, INodeSnapshotGrain
{
    /// <summary>Per Memshack, the undo points of its last restore here: engine snapshots of the regions' state before it.</summary>
    private readonly Dictionary<string, List<(Region Region, ulong Id)>> _undo = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task CheckAsync(string memshack, int[] shards)
    {
        foreach (int shard in shards)
        {
            if (served.Find(memshack, shard) is not { } found || !found.Nodes.Contains(nodePool.NodeName))
                throw new InvalidOperationException($"{nodePool.NodeName} does not serve a replica of {memshack} shard {shard}");
            // A replica that missed writes would be snapshotted at a state no client saw.
            if (found.Replicas.GetReplicaStatuses().Select((status, i) => (status, node: found.Nodes[i]))
                    .FirstOrDefault(r => r.status.State != ReplicaState.InSync || r.status.PendingHints > 0) is { status: { } behind, node: { } node })
            {
                throw new InvalidOperationException(
                    $"{memshack} shard {shard}: the replica on {node} is {ReplicaStateNames.Of(behind.State)} with {behind.PendingHints} pending hints (as {nodePool.NodeName} sees it)");
            }
        }
        return Task.CompletedTask;
    }

    public async Task<ReplicaSnapshot[]> SnapshotAsync(string memshack, int[] shards)
    {
        await CheckAsync(memshack, shards);
        (string ns, string name) = ResourceKey.Split(memshack);
        var taken = new List<(Region Region, ReplicaSnapshot Snapshot)>(shards.Length);
        try
        {
            foreach (int shard in shards)
            {
                string regionName = MemshackRegions.Of(ns, name, shard);
                Region region = nodePool.Pool.FindRegion(regionName)
                    ?? throw new InvalidOperationException($"{nodePool.NodeName} holds no replica of {memshack} shard {shard} (no region {regionName})");
                ulong id = nodePool.Pool.CreateSnapshot(region);
                SnapshotInfo info = nodePool.Pool.ListSnapshots(region).First(s => s.Id == id);
                taken.Add((region, new ReplicaSnapshot(nodePool.NodeName, shard, regionName, id, (long)info.Items, (long)info.Bytes)));
            }
        }
        catch
        {
            // All of this node's part or none of it.
            foreach ((Region region, ReplicaSnapshot snapshot) in taken)
                nodePool.Pool.DeleteSnapshot(region, snapshot.SnapshotId);
            throw;
        }
        return taken.Select(t => t.Snapshot).ToArray();
    }

    // A restore rebuilds the live view (O(pool)) and a delete frees versions in a pass over the pool:
    // both run off the grain's thread.
    public async Task RestoreAsync(string memshack, ReplicaSnapshot[] snapshots)
    {
        // Undo points a restore left (neither ended nor rolled back) are of no use to this one.
        await EndRestoreAsync(memshack);
        _undo[memshack] = await Task.Run(() =>
        {
            var undo = new List<(Region Region, ulong Id)>();
            try
            {
                foreach (ReplicaSnapshot snapshot in Own(snapshots))
                {
                    Region region = nodePool.Pool.FindRegion(snapshot.Region)
                        ?? throw new InvalidOperationException($"{nodePool.NodeName} has no region {snapshot.Region} to restore");
                    undo.Add((region, nodePool.Pool.CreateSnapshot(region)));
                    nodePool.Pool.RestoreSnapshot(region, snapshot.SnapshotId);
                }
            }
            catch
            {
                // All of this node's part or none of it: the regions switched go back to their state before.
                SwitchBack(undo);
                throw;
            }
            return undo;
        });
    }

    public async Task<int> RollBackRestoreAsync(string memshack)
    {
        if (!_undo.Remove(memshack, out List<(Region Region, ulong Id)>? undo))
            return 0;
        await Task.Run(() => SwitchBack(undo));
        return undo.Count;
    }

    public async Task<int> EndRestoreAsync(string memshack)
    {
        if (!_undo.Remove(memshack, out List<(Region Region, ulong Id)>? undo))
            return 0;
        await Task.Run(() => undo.ForEach(u => nodePool.Pool.DeleteSnapshot(u.Region, u.Id)));
        return undo.Count;
    }

    /// <summary>Switches each region back to its undo point and deletes that; throws naming the regions that failed, after trying every one.</summary>
    private void SwitchBack(List<(Region Region, ulong Id)> undo)
    {
        var failures = new List<string>();
        foreach ((Region region, ulong id) in undo)
        {
            try
            {
                nodePool.Pool.RestoreSnapshot(region, id);
                nodePool.Pool.DeleteSnapshot(region, id);
            }
            catch (Exception e)
            {
                failures.Add($"{region.Name}: {e.Message}");
            }
        }
        if (failures.Count > 0)
            throw new InvalidOperationException($"{nodePool.NodeName} did not switch back {string.Join("; ", failures)}");
    }

    public Task<int> DeleteAsync(ReplicaSnapshot[] snapshots) => Task.Run(() =>
    {
        int deleted = 0;
        foreach (ReplicaSnapshot snapshot in Own(snapshots))
        {
            if (nodePool.Pool.FindRegion(snapshot.Region) is not { } region || nodePool.Pool.ListSnapshots(region).All(s => s.Id != snapshot.SnapshotId))
                continue;
            nodePool.Pool.DeleteSnapshot(region, snapshot.SnapshotId);
            deleted++;
        }
        return deleted;
    });

    private IEnumerable<ReplicaSnapshot> Own(ReplicaSnapshot[] snapshots) =>
        snapshots.Where(s => string.Equals(s.Node, nodePool.NodeName, StringComparison.Ordinal));
}

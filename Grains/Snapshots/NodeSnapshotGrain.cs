using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Takes, restores and deletes the engine snapshots of this node's Memshack replicas, straight in the node's pool.</summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeSnapshotGrain(NodePool nodePool, ServedMemshacks served) : Grain, INodeSnapshotGrain
{
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
    public Task RestoreAsync(ReplicaSnapshot[] snapshots) => Task.Run(() =>
    {
        foreach (ReplicaSnapshot snapshot in Own(snapshots))
        {
            Region region = nodePool.Pool.FindRegion(snapshot.Region)
                ?? throw new InvalidOperationException($"{nodePool.NodeName} has no region {snapshot.Region} to restore");
            nodePool.Pool.RestoreSnapshot(region, snapshot.SnapshotId);
        }
    });

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

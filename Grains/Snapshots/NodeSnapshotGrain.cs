using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Takes, restores and deletes the engine snapshots of this node's Memshack replicas, straight in the node's pool.</summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeSnapshotGrain(NodePool nodePool) : Grain, INodeSnapshotGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<ReplicaSnapshot[]> SnapshotAsync(string memshack, int[] shards)
    {
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
        return Task.FromResult(taken.Select(t => t.Snapshot).ToArray());
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

using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains;

/// <summary>The nodes a cluster snapshot's barrier talks to: their gateways' write fence, their replicas' state and their engine snapshots.</summary>
public interface ISnapshotParticipants
{
    /// <summary>Holds <paramref name="node"/>'s writes to <paramref name="memshack"/> for at most <paramref name="lease"/>; returns once none is in flight.</summary>
    Task HoldWritesAsync(string node, string memshack, TimeSpan lease);

    Task ReleaseWritesAsync(string node, string memshack);

    /// <summary>Throws unless <paramref name="node"/> serves its replicas of <paramref name="shards"/> with every replica of them in sync.</summary>
    Task CheckAsync(string node, string memshack, int[] shards);

    Task<ReplicaSnapshot[]> SnapshotAsync(string node, string memshack, int[] shards);

    /// <summary>Restores <paramref name="node"/>'s replicas to <paramref name="snapshots"/>, keeping an undo point of each until the restore ends or is rolled back.</summary>
    Task RestoreAsync(string node, string memshack, ReplicaSnapshot[] snapshots);

    /// <summary>Switches <paramref name="node"/>'s replicas back to the undo points of its last restore; the number switched back.</summary>
    Task<int> RollBackRestoreAsync(string node, string memshack);

    /// <summary>Drops the undo points of <paramref name="node"/>'s last restore.</summary>
    Task<int> EndRestoreAsync(string node, string memshack);

    Task<int> DeleteAsync(string node, ReplicaSnapshot[] snapshots);
}

/// <summary>The participants reached through their node-pinned grains.</summary>
public sealed class GrainSnapshotParticipants(IGrainFactory grains) : ISnapshotParticipants
{
    public Task HoldWritesAsync(string node, string memshack, TimeSpan lease) => grains.GetGrain<IMemshackNodeGrain>(node).HoldWritesAsync(memshack, lease);

    public Task ReleaseWritesAsync(string node, string memshack) => grains.GetGrain<IMemshackNodeGrain>(node).ReleaseWritesAsync(memshack);

    public Task CheckAsync(string node, string memshack, int[] shards) => grains.GetGrain<INodeSnapshotGrain>(node).CheckAsync(memshack, shards);

    public Task<ReplicaSnapshot[]> SnapshotAsync(string node, string memshack, int[] shards) =>
        grains.GetGrain<INodeSnapshotGrain>(node).SnapshotAsync(memshack, shards);

    public Task RestoreAsync(string node, string memshack, ReplicaSnapshot[] snapshots) => grains.GetGrain<INodeSnapshotGrain>(node).RestoreAsync(memshack, snapshots);

    public Task<int> RollBackRestoreAsync(string node, string memshack) => grains.GetGrain<INodeSnapshotGrain>(node).RollBackRestoreAsync(memshack);

    public Task<int> EndRestoreAsync(string node, string memshack) => grains.GetGrain<INodeSnapshotGrain>(node).EndRestoreAsync(memshack);

    public Task<int> DeleteAsync(string node, ReplicaSnapshot[] snapshots) => grains.GetGrain<INodeSnapshotGrain>(node).DeleteAsync(snapshots);
}

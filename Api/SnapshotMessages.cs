using Mnemo.Api.V1;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;

namespace Mnemo.Api;

/// <summary>The <c>mnemo.v1.Snapshots</c> messages made from the resources' views and the progress stream's events.</summary>
internal static class SnapshotMessages
{
    public static Snapshot Of(ClusterSnapshotView view)
    {
        int slash = view.Memshack.IndexOf('/');
        return new Snapshot
        {
            Name = new SnapshotName { Namespace = view.Namespace, Name = view.Name },
            Memshack = new MemshackName { Namespace = view.Memshack[..Math.Max(slash, 0)], Name = view.Memshack[(slash + 1)..] },
            Phase = PhaseOf(view.Phase), ShardsDone = view.ShardsDone, ShardsTotal = view.ShardsTotal, Items = view.Items, Bytes = view.Bytes,
            CreatedAtUnixMs = view.CreatedAt?.ToUnixTimeMilliseconds() ?? 0, FenceMilliseconds = view.FenceMilliseconds ?? 0,
            DurationMilliseconds = view.DurationMilliseconds ?? 0, Message = view.Message ?? "",
        };
    }

    public static SnapshotRestore Of(string @namespace, ClusterSnapshotRestoreView view) => new()
    {
        Name = view.Name, Snapshot = new SnapshotName { Namespace = @namespace, Name = view.Snapshot }, Phase = PhaseOf(view.Phase),
        ShardsDone = view.ShardsDone, ShardsTotal = view.ShardsTotal, FenceMilliseconds = view.FenceMilliseconds ?? 0, Message = view.Message ?? "",
    };

    public static SnapshotEvent Of(SnapshotName snapshot, SnapshotProgress progress) => new()
    {
        Snapshot = snapshot, Operation = OperationOf(progress.Operation), Restore = progress.RestoreName ?? "", Phase = PhaseOf(progress.Phase),
        ShardsDone = progress.ShardsDone, ShardsTotal = progress.ShardsTotal, Items = progress.Items, Bytes = progress.Bytes, Finished = progress.Finished,
        Message = progress.Message ?? "", AtUnixMs = progress.At.ToUnixTimeMilliseconds(),
    };

    /// <summary>The progress a snapshot's resource shows: its create, or its delete once the resource is being deleted.</summary>
    public static SnapshotProgress ProgressOf(string key, ClusterSnapshotView view) =>
        new(key, view.Phase == ClusterSnapshotStatus.Deleting ? SnapshotProgress.Delete : SnapshotProgress.Create, null, view.Phase, view.ShardsDone,
            view.ShardsTotal, view.Items, view.Bytes, view.Phase is ClusterSnapshotStatus.Committed or ClusterSnapshotStatus.Failed, view.Message,
            DateTimeOffset.UtcNow);

    public static SnapshotProgress ProgressOf(string key, ClusterSnapshotRestoreView view) =>
        new(key, SnapshotProgress.Restore, view.Name, view.Phase, view.ShardsDone, view.ShardsTotal, 0, 0,
            view.Phase is ClusterSnapshotRestoreStatus.Restored or ClusterSnapshotRestoreStatus.Failed, view.Message, DateTimeOffset.UtcNow);

    public static SnapshotProgress Deleted(string key) =>
        new(key, SnapshotProgress.Delete, null, SnapshotProgress.Deleted, 0, 0, 0, 0, true, null, DateTimeOffset.UtcNow);

    /// <summary>How far a phase is into its operation: an event behind the last one sent is stale.</summary>
    public static int Rank(string phase) => phase switch
    {
        ClusterSnapshotStatus.Pending => 0,
        ClusterSnapshotStatus.Fencing or ClusterSnapshotStatus.Deleting => 1,
        ClusterSnapshotStatus.Snapshotting or ClusterSnapshotRestoreStatus.Restoring => 2,
        _ => 3,
    };

    private static SnapshotPhase PhaseOf(string phase) => phase switch
    {
        ClusterSnapshotStatus.Pending => SnapshotPhase.Pending,
        ClusterSnapshotStatus.Fencing => SnapshotPhase.Fencing,
        ClusterSnapshotStatus.Snapshotting => SnapshotPhase.Snapshotting,
        ClusterSnapshotStatus.Committed => SnapshotPhase.Committed,
        ClusterSnapshotStatus.Failed => SnapshotPhase.Failed,
        ClusterSnapshotStatus.Deleting => SnapshotPhase.Deleting,
        SnapshotProgress.Deleted => SnapshotPhase.Deleted,
        ClusterSnapshotRestoreStatus.Restoring => SnapshotPhase.Restoring,
        ClusterSnapshotRestoreStatus.Restored => SnapshotPhase.Restored,
        _ => SnapshotPhase.Unspecified,
    };

    private static SnapshotOperation OperationOf(string operation) => operation switch
    {
        SnapshotProgress.Create => SnapshotOperation.Create,
        SnapshotProgress.Restore => SnapshotOperation.Restore,
        SnapshotProgress.Delete => SnapshotOperation.Delete,
        _ => SnapshotOperation.Unspecified,
    };
}

namespace Mnemo.Grains.Interfaces;

/// <summary>
/// One step of a cluster snapshot's create, restore or delete, as <c>ClusterSnapshotGrain</c> publishes it
/// on the Orleans stream <see cref="StreamNamespace"/> of provider <see cref="StreamProvider"/>, keyed by the
/// snapshot's <c>namespace/name</c>. Phases are those of <see cref="ClusterSnapshotStatus"/> for a create,
/// of <see cref="ClusterSnapshotRestoreStatus"/> for a restore, and <c>Deleting</c> then <see cref="Deleted"/>
/// for a delete; <see cref="Finished"/> marks the last event of an operation. The stream is best-effort
/// (in memory): the resources in the Kubernetes API remain the record.
/// </summary>
/// <param name="Snapshot">The snapshot's <c>namespace/name</c>.</param>
/// <param name="Operation"><see cref="Create"/>, <see cref="Restore"/> or <see cref="Delete"/>.</param>
/// <param name="RestoreName">The <c>ClusterSnapshotRestore</c>'s name for a restore, else null.</param>
/// <param name="Bytes">Item bytes of the snapshot (per shard, as one replica holds them), once known.</param>
[GenerateSerializer, Immutable, Alias("mnemo.SnapshotProgress")]
public sealed record SnapshotProgress(string Snapshot, string Operation, string? RestoreName, string Phase, int ShardsDone, int ShardsTotal, long Items,
    long Bytes, bool Finished, string? Message, DateTimeOffset At)
{
    public const string StreamProvider = "mnemo-snapshots";
    public const string StreamNamespace = "mnemo.snapshot-progress";

    public const string Create = "Create";
    public const string Restore = "Restore";
    public const string Delete = "Delete";

    /// <summary>The last phase of a delete: the engine snapshots are dropped and the resource is let go.</summary>
    public const string Deleted = "Deleted";

    public static SnapshotProgress Of(string snapshot, ClusterSnapshotStatus status) =>
        new(snapshot, status.Phase == ClusterSnapshotStatus.Deleting ? Delete : Create, null, status.Phase, status.ShardsDone, status.ShardsTotal,
            status.Items, status.Bytes, status.Finished, status.Message, DateTimeOffset.UtcNow);

    public static SnapshotProgress Of(string snapshot, string restore, ClusterSnapshotRestoreStatus status) =>
        new(snapshot, Restore, restore, status.Phase, status.ShardsDone, status.ShardsTotal, 0, 0, status.Finished, status.Message, DateTimeOffset.UtcNow);
}

namespace Mnemo.Grains.Interfaces;

/// <summary>
/// A cluster snapshot's status as its resource records it. Phases: <see cref="Pending"/> (nothing done
/// yet), <see cref="Fencing"/> (writes being held on every gateway), <see cref="Snapshotting"/> (every
/// replica taking its engine snapshot), <see cref="Committed"/> (the manifest is recorded: the snapshot
/// can be restored), <see cref="Failed"/> (aborted: nothing of it is kept; <see cref="Message"/> says
/// why), <see cref="Deleting"/> (its engine snapshots are being dropped).
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.ClusterSnapshotStatus")]
public sealed record ClusterSnapshotStatus(string Phase, int ShardsDone, int ShardsTotal, long Items, long Bytes, DateTimeOffset? CreatedAt,
    double? FenceMilliseconds, double? DurationMilliseconds, string? Message, ClusterSnapshotManifest? Manifest)
{
    public const string Pending = "Pending";
    public const string Fencing = "Fencing";
    public const string Snapshotting = "Snapshotting";
    public const string Committed = "Committed";
    public const string Failed = "Failed";
    public const string Deleting = "Deleting";

    public bool Finished => Phase is Committed or Failed;

    public static ClusterSnapshotStatus Of(string phase, int shardsTotal = 0, string? message = null) =>
        new(phase, 0, shardsTotal, 0, 0, null, null, null, message, null);
}

/// <summary>
/// A restore's status as its <c>ClusterSnapshotRestore</c> resource records it. Phases: <see cref="Pending"/>,
/// <see cref="Fencing"/>, <see cref="Restoring"/> (every replica switching to its snapshot),
/// <see cref="Restored"/>, <see cref="Failed"/> (<see cref="Message"/> says why).
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.ClusterSnapshotRestoreStatus")]
public sealed record ClusterSnapshotRestoreStatus(string Phase, int ShardsDone, int ShardsTotal, double? FenceMilliseconds, DateTimeOffset? RestoredAt,
    string? Message)
{
    public const string Pending = "Pending";
    public const string Fencing = "Fencing";
    public const string Restoring = "Restoring";
    public const string Restored = "Restored";
    public const string Failed = "Failed";

    public bool Finished => Phase is Restored or Failed;
}

namespace Mnemo.Client;

/// <summary>A cluster snapshot as its resource records it.</summary>
/// <param name="Snapshot">Its <c>namespace/name</c>.</param>
/// <param name="Memshack">The Memshack it snapshots, <c>namespace/name</c>.</param>
/// <param name="Phase"><c>Pending</c>, <c>Fencing</c>, <c>Snapshotting</c>, <c>Committed</c>, <c>Failed</c> or <c>Deleting</c>.</param>
/// <param name="Items">Items, per shard as one replica holds them; <paramref name="Bytes"/> their bytes.</param>
/// <param name="FenceMilliseconds">How long writes were held; <paramref name="DurationMilliseconds"/> start to committed manifest.</param>
/// <param name="Message">Why it failed.</param>
public sealed record SnapshotInfo(string Snapshot, string Memshack, string Phase, int ShardsDone, int ShardsTotal, long Items, long Bytes,
    DateTimeOffset? CreatedAt, double? FenceMilliseconds, double? DurationMilliseconds, string? Message)
{
    public bool Committed => Phase == "Committed";
}

/// <summary>A restore of a cluster snapshot: its <c>ClusterSnapshotRestore</c>'s name (in the snapshot's namespace) and how far it got.</summary>
/// <param name="Phase"><c>Pending</c>, <c>Fencing</c>, <c>Restoring</c>, <c>Restored</c> or <c>Failed</c>.</param>
public sealed record SnapshotRestoreInfo(string Name, string Snapshot, string Phase, int ShardsDone, int ShardsTotal, double? FenceMilliseconds, string? Message);

/// <summary>One step of a snapshot's create, restore or delete, as the silos publish it.</summary>
/// <param name="Operation"><c>Create</c>, <c>Restore</c> or <c>Delete</c>.</param>
/// <param name="Restore">The restore's name, for a restore.</param>
/// <param name="Phase">The snapshot's or the restore's phases, and <c>Deleted</c> at the end of a delete.</param>
/// <param name="Finished">The operation's last event.</param>
public sealed record SnapshotProgressEvent(string Snapshot, string Operation, string? Restore, string Phase, int ShardsDone, int ShardsTotal, long Items,
    long Bytes, bool Finished, string? Message, DateTimeOffset At);

/// <summary>How far <c>ExportSnapshotAsync</c> is: shards gathered into the file on the silo, then the file's bytes received.</summary>
/// <param name="GatheredBytes">Engine export bytes gathered on the silo so far.</param>
/// <param name="ReceivedBytes">File bytes written to the destination so far.</param>
/// <param name="FileBytes">The whole file's length, once known (0 while the shards are gathered).</param>
public sealed record SnapshotExportProgress(int ShardsDone, int ShardsTotal, long Items, long GatheredBytes, long ReceivedBytes, long FileBytes);

/// <summary>A snapshot exported: <paramref name="Bytes"/> of cluster snapshot file written to the destination.</summary>
public sealed record SnapshotExportInfo(string Snapshot, int Shards, long Items, long Bytes);

/// <summary>What <c>ImportSnapshotAsync</c> wrote into <paramref name="Memshack"/> (<c>namespace/name</c>).</summary>
/// <param name="FromMemshack">The Memshack and snapshot (<c>namespace/name</c>) the file was exported from, and its shard count.</param>
/// <param name="Shards">The Memshack's shard count the keys were routed by.</param>
/// <param name="Expired">Items whose expiry had passed: not written.</param>
/// <param name="Failed">Items the Memshack refused (<paramref name="FirstError"/> says why).</param>
/// <param name="Snapshot">The snapshot of the Memshack asked for, as created (Pending): none when items were refused.</param>
public sealed record SnapshotImportInfo(string Memshack, string FromMemshack, string FromSnapshot, int FromShards, int Shards, long Items, long Written,
    long Expired, long Failed, string? FirstError, long FileBytes, SnapshotInfo? Snapshot);

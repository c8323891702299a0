using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains;

/// <summary>
/// The <c>ClusterSnapshot</c> and <c>ClusterSnapshotRestore</c> resources as the snapshot grain reads
/// and records them: the spec they ask for and the status it writes. The host implements it on the
/// Kubernetes API (status through the <c>/status</c> subresource).
/// </summary>
public interface IClusterSnapshotStore
{
    /// <summary>The snapshot resource, or null when it does not exist.</summary>
    Task<ClusterSnapshotResource?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken);

    Task WriteStatusAsync(string @namespace, string name, ClusterSnapshotStatus status, CancellationToken cancellationToken);

    /// <summary>Adds or removes the finalizer that keeps a deleted snapshot resource until its engine snapshots are dropped.</summary>
    Task SetFinalizerAsync(string @namespace, string name, bool present, CancellationToken cancellationToken);

    /// <summary>The restore resource, or null when it does not exist.</summary>
    Task<ClusterSnapshotRestoreResource?> ReadRestoreAsync(string @namespace, string name, CancellationToken cancellationToken);

    Task WriteRestoreStatusAsync(string @namespace, string name, ClusterSnapshotRestoreStatus status, CancellationToken cancellationToken);
}

/// <summary>A <c>ClusterSnapshot</c>: the Memshack it snapshots, its profile, whether it is being deleted, and its status (null before the first record).</summary>
public sealed record ClusterSnapshotResource(string Namespace, string Name, string TargetNamespace, string Memshack, string? Profile, string? ProfileOptions,
    bool Deleting, ClusterSnapshotStatus? Status);

/// <summary>A <c>ClusterSnapshotRestore</c>: the snapshot (in its namespace) it restores, and its status (null before the first record).</summary>
public sealed record ClusterSnapshotRestoreResource(string Namespace, string Name, string Snapshot, ClusterSnapshotRestoreStatus? Status);

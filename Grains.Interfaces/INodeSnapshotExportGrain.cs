namespace Mnemo.Grains.Interfaces;

/// <summary>
/// Hands out this node's engine snapshots as export files (the engine's portable format, see
/// <c>NativeEngine/README.md</c>), read back in chunks by whoever assembles a cluster snapshot file; key =
/// node name, so the activation lives next to the pool.
/// </summary>
[Alias("mnemo.NodeSnapshotExport")]
public interface INodeSnapshotExportGrain : IGrainWithStringKey
{
    /// <summary>Exports <paramref name="snapshot"/> (one of this node's replicas) to a file on this node; read it with <see cref="ReadAsync"/>, then <see cref="ReleaseAsync"/> it.</summary>
    /// <remarks>A large region's export takes minutes on a busy node; the callers' default 30 s would give up on it.</remarks>
    [Alias("Export")]
    [ResponseTimeout("00:10:00")]
    Task<SnapshotExportFile> ExportAsync(ReplicaSnapshot snapshot);

    /// <summary>Up to <paramref name="count"/> bytes of the export file from <paramref name="offset"/>; fewer only at its end.</summary>
    [Alias("Read")]
    Task<byte[]> ReadAsync(string id, long offset, int count);

    /// <summary>Deletes the export file; an unknown id is ignored.</summary>
    [Alias("Release")]
    Task ReleaseAsync(string id);
}

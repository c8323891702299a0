using System.Buffers.Binary;
using Mnemo.Grains.Interfaces;

namespace Mnemo.SnapshotFiles;

/// <summary>Where an export is: <see cref="Bytes"/> of engine exports and <see cref="Items"/> copied so far; <see cref="ShardDone"/> on a shard's last chunk.</summary>
public readonly record struct ExportProgress(int Shard, int Shards, long Bytes, long Items, bool ShardDone);

/// <summary>
/// Copies a committed cluster snapshot into a cluster snapshot file. Per shard, one replica's node exports its
/// engine snapshot (the replicas hold the same items; the next one is asked when a node fails) and its bytes are
/// copied into the file in chunks. No replica of a shard able to export it is an <see cref="ExportFailedException"/>.
/// </summary>
public static class ClusterSnapshotExport
{
    private const int ChunkBytes = 4 << 20;

    /// <summary>The file's metadata for <paramref name="manifest"/>, the snapshot named <paramref name="snapshot"/> (<c>namespace/name</c>).</summary>
    public static ClusterSnapshotFileMetadata MetadataOf(ClusterSnapshotManifest manifest, string snapshot) =>
        new(manifest.Memshack, snapshot, manifest.Topology.Shards, manifest.Topology.Replicas, manifest.Topology.Nodes, manifest.TakenAt, DateTimeOffset.UtcNow);

    /// <summary>Writes every shard's section into <paramref name="writer"/>, telling <paramref name="progress"/> after each chunk; returns the items.</summary>
    public static async Task<long> WriteShardsAsync(IGrainFactory grains, ClusterSnapshotManifest manifest, ClusterSnapshotFileWriter writer,
        Func<ExportProgress, ValueTask> progress, CancellationToken cancellationToken)
    {
        int shards = manifest.Topology.Shards;
        long items = 0, copied = 0;
        for (int shard = 0; shard < shards; shard++)
        {
            (INodeSnapshotExportGrain node, SnapshotExportFile export) = await ExportShardAsync(grains, manifest, shard);
            try
            {
                await writer.BeginSectionAsync(shard, export.Length, cancellationToken);
                for (long offset = 0; offset < export.Length;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    byte[] chunk = await node.ReadAsync(export.Id, offset, (int)Math.Min(ChunkBytes, export.Length - offset));
                    if (chunk.Length == 0)
                        throw new IOException($"the export of shard {shard} ended at {offset} of {export.Length} bytes");
                    if (offset == 0)
                        items += EngineExportItems(chunk);
                    await writer.WriteAsync(chunk, cancellationToken);
                    offset += chunk.Length;
                    copied += chunk.Length;
                    await progress(new ExportProgress(shard, shards, copied, items, offset == export.Length));
                }
            }
            finally
            {
                await node.ReleaseAsync(export.Id);
            }
        }
        return items;
    }

    /// <summary>Has the first replica of <paramref name="shard"/> whose node answers export its engine snapshot.</summary>
    private static async Task<(INodeSnapshotExportGrain Node, SnapshotExportFile Export)> ExportShardAsync(IGrainFactory grains, ClusterSnapshotManifest manifest, int shard)
    {
        var reasons = new List<string>();
        foreach (ReplicaSnapshot replica in manifest.Replicas.Where(r => r.Shard == shard))
        {
            INodeSnapshotExportGrain node = grains.GetGrain<INodeSnapshotExportGrain>(replica.Node);
            try
            {
                return (node, await node.ExportAsync(replica));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever failed on that node (down, engine error, disk full), another replica holds the same items.
                reasons.Add($"{replica.Node}: {e.Message}");
            }
        }
        throw new ExportFailedException($"no replica of shard {shard} could export it ({string.Join("; ", reasons)})");
    }

    /// <summary>The item count in the engine export header at the start of <paramref name="chunk"/>.</summary>
    private static long EngineExportItems(byte[] chunk) =>
        chunk.Length >= EngineExportSection.HeaderLength ? (long)BinaryPrimitives.ReadUInt64LittleEndian(chunk.AsSpan(16)) : 0;
}

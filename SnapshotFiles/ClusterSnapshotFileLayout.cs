using System.Text.Json;

namespace Mnemo.SnapshotFiles;

/// <summary>
/// The layout of a cluster snapshot file (version 1, little-endian; documented in
/// <c>Grains/Snapshots/README.md</c>). A 64-byte header:
/// <c>magic "MNEMOCSF", u32 version, u32 header length (64), u32 shards, u32 metadata length, u64 items,
/// u64 file length, i64 exported at (Unix ms), u32 CRC32C of the metadata, u32 reserved, u32 reserved,
/// u32 CRC32C of the 60 bytes before it</c>; the metadata (UTF-8 JSON, <see cref="ClusterSnapshotFileMetadata"/>);
/// then one section per shard in shard order: <c>u32 shard, u32 reserved, u64 length</c> and that many bytes
/// of the shard's engine export (<see cref="EngineExportSection"/>).
/// </summary>
public static class ClusterSnapshotFileLayout
{
    public const int Version = 1;
    public const int HeaderLength = 64;
    public const int SectionHeaderLength = 16;
    public static ReadOnlySpan<byte> Magic => "MNEMOCSF"u8;

    /// <summary>How the metadata is written and read: camelCase names, indented.</summary>
    internal static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

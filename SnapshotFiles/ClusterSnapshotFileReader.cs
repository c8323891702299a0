using System.Buffers.Binary;
using System.Text.Json;

namespace Mnemo.SnapshotFiles;

/// <summary>
/// Reads a cluster snapshot file, checking everything as it goes: the header and metadata on open, each
/// shard's section (its engine header, both checksums, every record) as it is read, and at the end that the
/// sections fill the file and hold the items the header counts. Any damage is a <see cref="SnapshotFileException"/>.
/// </summary>
public sealed class ClusterSnapshotFileReader : IDisposable
{
    private readonly string _name;
    private readonly FileStream _file;
    private readonly long _dataStart;

    private ClusterSnapshotFileReader(string name, FileStream file, ClusterSnapshotFileMetadata metadata, long items, long dataStart)
    {
        _name = name;
        _file = file;
        Metadata = metadata;
        Items = items;
        _dataStart = dataStart;
    }

    public ClusterSnapshotFileMetadata Metadata { get; }

    /// <summary>Items of every section, as the header counts them.</summary>
    public long Items { get; }

    public long Length => _file.Length;

    /// <summary>
    /// Opens <paramref name="path"/> and checks its header and metadata; a missing file is an <see cref="ArgumentException"/>.
    /// Problems name the file <paramref name="name"/> (default: its path).
    /// </summary>
    public static ClusterSnapshotFileReader Open(string path, string? name = null)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"no file {path}");
        string shown = name ?? path;
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            var header = new byte[ClusterSnapshotFileLayout.HeaderLength];
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header.AsSpan(0, 8).SequenceEqual(ClusterSnapshotFileLayout.Magic))
                throw new SnapshotFileException($"{shown} is not a Mnemo cluster snapshot file");
            if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(60)) != Crc32C.Append(0, header.AsSpan(0, 60)))
                throw new SnapshotFileException($"{shown}: header checksum mismatch");
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
            if (version != ClusterSnapshotFileLayout.Version || BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(12)) != ClusterSnapshotFileLayout.HeaderLength)
                throw new SnapshotFileException($"{shown}: cluster snapshot file version {version} is not supported (Mnemo reads version {ClusterSnapshotFileLayout.Version})");
            long declared = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(32));
            if (declared != file.Length)
                throw new SnapshotFileException($"{shown} is truncated or padded: {file.Length} bytes, its header says {declared}");
            int shards = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(16));
            uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20));
            if (metadataLength > file.Length - header.Length)
                throw new SnapshotFileException($"{shown}: its metadata runs past the end of the file");
            var metadata = new byte[metadataLength];
            file.ReadExactly(metadata);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(48)) != Crc32C.Append(0, metadata))
                throw new SnapshotFileException($"{shown}: metadata checksum mismatch");
            ClusterSnapshotFileMetadata meta = JsonSerializer.Deserialize<ClusterSnapshotFileMetadata>(metadata, ClusterSnapshotFileLayout.MetadataJson)
                ?? throw new SnapshotFileException($"{shown}: no metadata");
            if (meta.Shards != shards || shards <= 0)
                throw new SnapshotFileException($"{shown}: the header counts {shards} shards, the metadata {meta.Shards}");
            return new ClusterSnapshotFileReader(shown, file, meta, BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24)), file.Position);
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException)
        {
            file.Dispose();
            throw new SnapshotFileException($"{shown}: unreadable metadata ({e.Message})");
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Every shard's section in order, each checked before it is returned; each call reads the file from its first section.</summary>
    public IEnumerable<EngineExportSection> Sections()
    {
        _file.Position = _dataStart;
        var header = new byte[ClusterSnapshotFileLayout.SectionHeaderLength];
        long items = 0;
        for (int shard = 0; shard < Metadata.Shards; shard++)
        {
            string where = $"{_name}: shard {shard}";
            if (_file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                throw new SnapshotFileException($"{where}: the file ends before the section");
            long length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != shard || BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)) != 0)
                throw new SnapshotFileException($"{where}: the section header is damaged");
            if (length < EngineExportSection.HeaderLength || length > _file.Length - _file.Position || length > Array.MaxLength)
                throw new SnapshotFileException($"{where}: a section of {length} bytes does not fit in the file");
            var bytes = new byte[length];
            _file.ReadExactly(bytes);
            EngineExportSection section = EngineExportSection.Verify(bytes, shard, where);
            items += section.Items;
            yield return section;
        }
        if (_file.Position != _file.Length)
            throw new SnapshotFileException($"{_name}: {_file.Length - _file.Position} bytes after the last section");
        if (items != Items)
            throw new SnapshotFileException($"{_name}: the sections hold {items} items, the header says {Items}");
    }

    public void Dispose() => _file.Dispose();
}

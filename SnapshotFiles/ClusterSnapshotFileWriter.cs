using System.Buffers.Binary;
using System.Text.Json;

namespace Mnemo.SnapshotFiles;

/// <summary>
/// Writes a cluster snapshot file: the header and metadata, then each shard's section as its bytes arrive.
/// It writes <c>path.tmp</c> and renames it once complete, so <c>path</c> is never half-written; disposed
/// before <see cref="CompleteAsync"/>, it deletes the temporary file.
/// </summary>
public sealed class ClusterSnapshotFileWriter : IAsyncDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _file;
    private readonly byte[] _metadata;
    private readonly int _shards;
    private int _sections;
    private long _sectionLeft;
    private bool _completed;
    private long _completedLength;

    private ClusterSnapshotFileWriter(string path, FileStream file, byte[] metadata, int shards)
    {
        _path = path;
        _temporary = file.Name;
        _file = file;
        _metadata = metadata;
        _shards = shards;
    }

    /// <summary>The file's bytes so far; once complete, its length.</summary>
    public long Length => _completed ? _completedLength : _file.Length;

    public static async Task<ClusterSnapshotFileWriter> CreateAsync(string path, ClusterSnapshotFileMetadata metadata, CancellationToken cancellationToken)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, ClusterSnapshotFileLayout.MetadataJson);
        var file = new FileStream(path + ".tmp", FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        var writer = new ClusterSnapshotFileWriter(path, file, json, metadata.Shards);
        await file.WriteAsync(new byte[ClusterSnapshotFileLayout.HeaderLength], cancellationToken); // rewritten by CompleteAsync
        await file.WriteAsync(json, cancellationToken);
        return writer;
    }

    /// <summary>Starts the next shard's section, <paramref name="length"/> bytes of its engine export.</summary>
    public async Task BeginSectionAsync(int shard, long length, CancellationToken cancellationToken)
    {
        if (_sectionLeft != 0 || shard != _sections)
            throw new InvalidOperationException($"section {shard} started after {_sections} sections with {_sectionLeft} bytes missing");
        var header = new byte[ClusterSnapshotFileLayout.SectionHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)shard);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), length);
        await _file.WriteAsync(header, cancellationToken);
        _sectionLeft = length;
        _sections++;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.Length > _sectionLeft)
            throw new InvalidOperationException($"{bytes.Length} bytes written to a section with {_sectionLeft} left");
        await _file.WriteAsync(bytes, cancellationToken);
        _sectionLeft -= bytes.Length;
    }

    /// <summary>Writes the header with the totals, flushes the file to disk and renames it into place.</summary>
    public async Task CompleteAsync(long items, CancellationToken cancellationToken)
    {
        if (_sectionLeft != 0 || _sections != _shards)
            throw new InvalidOperationException($"{_sections} of {_shards} sections written, {_sectionLeft} bytes missing");
        var header = new byte[ClusterSnapshotFileLayout.HeaderLength];
        ClusterSnapshotFileLayout.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), ClusterSnapshotFileLayout.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), ClusterSnapshotFileLayout.HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)_shards);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)_metadata.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), items);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), _file.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(48), Crc32C.Append(0, _metadata));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(60), Crc32C.Append(0, header.AsSpan(0, 60)));
        await RandomAccess.WriteAsync(_file.SafeFileHandle, header, 0, cancellationToken);
        await _file.FlushAsync(cancellationToken);
        _file.Flush(flushToDisk: true);
        _completedLength = _file.Length;
        await _file.DisposeAsync();
        File.Move(_temporary, _path, overwrite: true);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        if (!_completed)
            File.Delete(_temporary);
    }
}

using System.Buffers.Binary;
using Mnemo.Grains.Interfaces;

namespace Mnemo.SnapshotFiles;

/// <summary>
/// One shard's section of a cluster snapshot file: an engine export file as the engine wrote it
/// (<c>NativeEngine/README.md</c>, export): a 64-byte header (magic <c>MNEMOEXP</c>, version, item count,
/// payload length, snapshot id, time, CRC32C of the payload, CRC32C of the header), then per item
/// <c>u32 key_len, u32 value_len, u32 flags, u32 exptime, u32 state, u32 reserved, u64 cas</c>, key, value
/// (version 3; version 2 records end after state, version 1 records after exptime). Little-endian.
/// </summary>
public sealed class EngineExportSection
{
    public const int HeaderLength = 64;
    private const int NewestVersion = 3;
    private const uint StaleState = 1;
    private const int KeyMax = 250;

    private readonly byte[] _bytes;
    private readonly int _recordLength;

    private EngineExportSection(byte[] bytes, int shard, uint version, long items)
    {
        _bytes = bytes;
        Shard = shard;
        Items = items;
        _recordLength = RecordLength(version);
    }

    public int Shard { get; }

    public long Items { get; }

    public long Bytes => _bytes.LongLength;

    /// <summary>Checks the header, both checksums and every record of <paramref name="bytes"/>; throws <see cref="SnapshotFileException"/> naming <paramref name="where"/>.</summary>
    public static EngineExportSection Verify(byte[] bytes, int shard, string where)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.Length < HeaderLength || !span[..8].SequenceEqual("MNEMOEXP"u8))
            throw new SnapshotFileException($"{where} is not an engine export");
        if (BinaryPrimitives.ReadUInt32LittleEndian(span[60..]) != Crc32C.Append(0, span[..60]))
            throw new SnapshotFileException($"{where}: header checksum mismatch");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        if (version is < 1 or > NewestVersion || BinaryPrimitives.ReadUInt32LittleEndian(span[12..]) != HeaderLength)
            throw new SnapshotFileException($"{where}: engine export version {version} is not supported (Mnemo reads 1 to {NewestVersion})");
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(span[16..]);
        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(span[24..]);
        if ((ulong)(span.Length - HeaderLength) != payloadLength)
            throw new SnapshotFileException($"{where} is truncated or padded: {span.Length - HeaderLength} payload bytes, its header says {payloadLength}");
        ReadOnlySpan<byte> payload = span[HeaderLength..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(span[48..]) != Crc32C.Append(0, payload))
            throw new SnapshotFileException($"{where}: payload checksum mismatch");
        int fixedLength = RecordLength(version);
        int offset = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (payload.Length - offset < fixedLength)
                throw new SnapshotFileException($"{where}: record {i} is cut short");
            ReadOnlySpan<byte> record = payload[offset..];
            uint keyLength = BinaryPrimitives.ReadUInt32LittleEndian(record);
            uint valueLength = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            if (keyLength is 0 or > KeyMax || (ulong)(payload.Length - offset - fixedLength) < (ulong)keyLength + valueLength)
                throw new SnapshotFileException($"{where}: record {i} is malformed");
            if (version >= 2 && (BinaryPrimitives.ReadUInt32LittleEndian(record[16..]) & ~StaleState) != 0)
                throw new SnapshotFileException($"{where}: record {i} has unknown state bits");
            if (version >= 3 && (BinaryPrimitives.ReadUInt32LittleEndian(record[20..]) != 0 || BinaryPrimitives.ReadUInt64LittleEndian(record[24..]) == 0))
                throw new SnapshotFileException($"{where}: record {i} has no CAS or a non-zero reserved word");
            offset += fixedLength + (int)keyLength + (int)valueLength;
        }
        if (offset != payload.Length)
            throw new SnapshotFileException($"{where}: {payload.Length - offset} bytes after the last record");
        return new EngineExportSection(bytes, shard, version, (long)count);
    }

    /// <summary>The items, in batches of up to <paramref name="batchBytes"/> bytes of keys and values (at least one item each).</summary>
    public IEnumerable<PortableItem[]> Batches(int batchBytes)
    {
        var batch = new List<PortableItem>();
        long size = 0;
        int offset = HeaderLength;
        for (long i = 0; i < Items; i++)
        {
            ReadOnlySpan<byte> record = _bytes.AsSpan(offset);
            int keyLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(record);
            int valueLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
            uint exptime = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            bool stale = _recordLength >= 20 && (BinaryPrimitives.ReadUInt32LittleEndian(record[16..]) & StaleState) != 0;
            ulong cas = _recordLength >= 32 ? BinaryPrimitives.ReadUInt64LittleEndian(record[24..]) : 0;
            byte[] key = record.Slice(_recordLength, keyLength).ToArray();
            byte[] value = record.Slice(_recordLength + keyLength, valueLength).ToArray();
            offset += _recordLength + keyLength + valueLength;
            batch.Add(new PortableItem(key, value, flags, exptime, cas, stale));
            size += keyLength + valueLength;
            if (size >= batchBytes)
            {
                yield return [.. batch];
                batch.Clear();
                size = 0;
            }
        }
        if (batch.Count > 0)
            yield return [.. batch];
    }

    private static int RecordLength(uint version) => version switch { 1 => 16, 2 => 20, _ => 32 };
}

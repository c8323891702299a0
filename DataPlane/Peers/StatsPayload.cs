using System.Buffers.Binary;

namespace Mnemo.DataPlane;

/// <summary>The payload of a stats response: six little-endian u64 in <see cref="CacheStoreStats"/> order.</summary>
public static class StatsPayload
{
    public static void Write(Span<byte> destination, in CacheStoreStats stats)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, stats.CurrentItems);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], stats.Bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], stats.LimitMaxBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], stats.Evictions);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[32..], stats.Hits);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], stats.Misses);
    }

    public static CacheStoreStats Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != DataPlaneProtocol.StatsPayloadLength)
        {
            throw new DataPlaneProtocolException($"stats payload of {source.Length} bytes (expected {DataPlaneProtocol.StatsPayloadLength})");
        }
        return new CacheStoreStats(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[40..]));
    }
}

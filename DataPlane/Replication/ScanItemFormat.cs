using System.Buffers;
using System.Buffers.Binary;

namespace Mnemo.DataPlane;

/// <summary>
/// How scanned items are laid out in a scan chunk, locally and on the wire:
/// <c>u16 keyLength, u32 valueLength, u32 flags, i64 exptime (absolute, 0 = never), u64 cas,
/// u8 stale (0 or 1), key, value</c>, little-endian, back to back.
/// </summary>
public static class ScanItemFormat
{
    public const int HeaderLength = 27;

    public static void Write(IBufferWriter<byte> destination, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags, long exptime, ulong cas,
        bool stale)
    {
        int length = HeaderLength + key.Length + value.Length;
        Span<byte> span = destination.GetSpan(length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)key.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[2..], value.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[6..], flags);
        BinaryPrimitives.WriteInt64LittleEndian(span[10..], exptime);
        BinaryPrimitives.WriteUInt64LittleEndian(span[18..], cas);
        span[26] = stale ? (byte)1 : (byte)0;
        key.CopyTo(span[HeaderLength..]);
        value.CopyTo(span[(HeaderLength + key.Length)..]);
        destination.Advance(length);
    }

    /// <summary>Reads the item at <paramref name="offset"/> and moves past it; false at the end or on a truncated item.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> chunk, ref int offset, out ScannedItem item)
    {
        item = default;
        ReadOnlySpan<byte> rest = chunk.Span[offset..];
        if (rest.Length < HeaderLength)
        {
            return false;
        }
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(rest);
        int valueLength = BinaryPrimitives.ReadInt32LittleEndian(rest[2..]);
        if (valueLength < 0 || rest.Length - HeaderLength < keyLength + (long)valueLength)
        {
            return false;
        }
        int keyStart = offset + HeaderLength;
        item = new ScannedItem(
            chunk.Slice(keyStart, keyLength),
            chunk.Slice(keyStart + keyLength, valueLength),
            BinaryPrimitives.ReadUInt32LittleEndian(rest[6..]),
            BinaryPrimitives.ReadInt64LittleEndian(rest[10..]),
            BinaryPrimitives.ReadUInt64LittleEndian(rest[18..]),
            rest[26] != 0);
        offset = keyStart + keyLength + valueLength;
        return true;
    }
}

/// <summary>One item of a scan chunk; key and value point into the chunk.</summary>
public readonly record struct ScannedItem(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, uint Flags, long Exptime, ulong Cas, bool Stale);

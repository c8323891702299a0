using System.Buffers.Binary;
using System.Numerics;

namespace Mnemo.SnapshotFiles;

/// <summary>CRC32C (Castagnoli), the checksum of the engine's export files, with the CPU's CRC32 instruction where it has one.</summary>
public static class Crc32C
{
    /// <summary>The checksum of the bytes before and <paramref name="data"/>, given <paramref name="crc"/> of those before (0 for none).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}

using System.Buffers.Binary;

namespace Mnemo.DataPlane;

/// <summary>A response frame's header fields, and their encoding.</summary>
public readonly record struct DataPlaneResponse(uint Id, CacheStatus Status, byte Bits, uint Flags, long Exptime, ulong Cas, ulong Number, long LastAccess,
    CacheItemState State = CacheItemState.None)
{
    /// <summary>Writes the header of a frame whose payload is <paramref name="payloadLength"/> bytes.</summary>
    public void WriteHeader(Span<byte> destination, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(DataPlaneProtocol.ResponseHeaderLength - DataPlaneProtocol.LengthPrefix + payloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Id);
        destination[8] = (byte)Status;
        destination[9] = Bits;
        destination[10] = (byte)State;
        destination[11] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Flags);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Exptime);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Cas);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[32..], Number);
        BinaryPrimitives.WriteInt64LittleEndian(destination[40..], LastAccess);
    }

    /// <summary>Reads the header of a whole response frame (length prefix included).</summary>
    public static DataPlaneResponse Read(ReadOnlySpan<byte> frame)
    {
        byte status = frame[8];
        if (status > (byte)CacheStatus.Unavailable)
        {
            throw new DataPlaneProtocolException($"unknown status {status}");
        }
        return new DataPlaneResponse(
            BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]),
            (CacheStatus)status,
            frame[9],
            BinaryPrimitives.ReadUInt32LittleEndian(frame[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(frame[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(frame[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(frame[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(frame[40..]),
            (CacheItemState)frame[10]);
    }
}

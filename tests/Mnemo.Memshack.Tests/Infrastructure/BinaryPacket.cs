using System.Buffers.Binary;
using System.Text;

namespace Mnemo.Memshack.Tests;

/// <summary>memcached binary protocol packets for tests.</summary>
public sealed record BinaryPacket(byte Magic, byte Opcode, ushort Status, uint Opaque, ulong Cas, byte[] Extras, byte[] Key, byte[] Value)
{
    public const int HeaderLength = 24;

    public static byte[] Request(byte opcode, string key = "", string value = "", byte[]? extras = null, ulong cas = 0, uint opaque = 0)
    {
        byte[] keyBytes = Encoding.ASCII.GetBytes(key);
        byte[] valueBytes = Encoding.ASCII.GetBytes(value);
        extras ??= [];
        var packet = new byte[HeaderLength + extras.Length + keyBytes.Length + valueBytes.Length];
        packet[0] = 0x80;
        packet[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)keyBytes.Length);
        packet[4] = (byte)extras.Length;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), (uint)(packet.Length - HeaderLength));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), opaque);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(16), cas);
        extras.CopyTo(packet, HeaderLength);
        keyBytes.CopyTo(packet, HeaderLength + extras.Length);
        valueBytes.CopyTo(packet, HeaderLength + extras.Length + keyBytes.Length);
        return packet;
    }

    /// <summary>Extras of set/add/replace: flags and exptime.</summary>
    public static byte[] StoreExtras(uint flags, uint exptime)
    {
        var extras = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(extras, flags);
        BinaryPrimitives.WriteUInt32BigEndian(extras.AsSpan(4), exptime);
        return extras;
    }

    /// <summary>Extras of incr/decr: delta, initial value, exptime (all ones: no auto-create).</summary>
    public static byte[] ArithmeticExtras(ulong delta, ulong initial, uint exptime)
    {
        var extras = new byte[20];
        BinaryPrimitives.WriteUInt64BigEndian(extras, delta);
        BinaryPrimitives.WriteUInt64BigEndian(extras.AsSpan(8), initial);
        BinaryPrimitives.WriteUInt32BigEndian(extras.AsSpan(16), exptime);
        return extras;
    }

    public static byte[] Exptime(uint exptime)
    {
        var extras = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(extras, exptime);
        return extras;
    }

    /// <summary>Splits a byte stream into response packets (a trailing partial packet is left out).</summary>
    public static List<BinaryPacket> ParseAll(ReadOnlySpan<byte> bytes)
    {
        var packets = new List<BinaryPacket>();
        while (bytes.Length >= HeaderLength)
        {
            int keyLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
            int extrasLength = bytes[4];
            int bodyLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
            if (bytes.Length < HeaderLength + bodyLength)
            {
                break;
            }
            ReadOnlySpan<byte> body = bytes.Slice(HeaderLength, bodyLength);
            packets.Add(new BinaryPacket(bytes[0], bytes[1], BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]),
                BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
                body[..extrasLength].ToArray(), body.Slice(extrasLength, keyLength).ToArray(), body[(extrasLength + keyLength)..].ToArray()));
            bytes = bytes[(HeaderLength + bodyLength)..];
        }
        return packets;
    }

    /// <summary>A comparable description; CAS shown only as present or absent (its value is server-specific).</summary>
    public string Describe() =>
        $"op=0x{Opcode:x2} status=0x{Status:x2} opaque={Opaque} cas={(Cas == 0 ? "0" : "set")} extras={Convert.ToHexString(Extras)} key={Encoding.ASCII.GetString(Key)} value={Encoding.ASCII.GetString(Value)}";
}

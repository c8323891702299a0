using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mnemo.DataPlane;

/// <summary>
/// The first frames of a data-plane connection. The client presents its identity (hello); the server
/// admits it and answers with its pool's item size limit (welcome), or closes the connection.
/// <code>
/// hello   : u32 length-after-this-field, u32 magic "MNDP", u16 version, u8 cluster id length, u8 node name length,
///           then cluster id and node name (UTF-8)
/// welcome : u32 length-after-this-field, u32 magic "MNDP", u16 version, u16 0, u32 item size max
/// </code>
/// </summary>
public static class DataPlaneHandshake
{
    public const uint Magic = 0x50444E4D; // "MNDP" little-endian
    public const ushort Version = 1;
    public const int HelloHeaderLength = 12;
    public const int MaxHelloLength = HelloHeaderLength + 2 * byte.MaxValue;
    public const int WelcomeLength = 16;

    /// <summary>Appends the hello frame of <paramref name="identity"/>.</summary>
    public static void WriteHello(IBufferWriter<byte> output, PeerIdentity identity)
    {
        int clusterLength = Encoding.UTF8.GetByteCount(identity.ClusterId);
        int nodeLength = Encoding.UTF8.GetByteCount(identity.NodeName);
        if (clusterLength > byte.MaxValue || nodeLength > byte.MaxValue)
        {
            throw new ArgumentException("cluster id and node name are at most 255 UTF-8 bytes each", nameof(identity));
        }
        int length = HelloHeaderLength + clusterLength + nodeLength;
        Span<byte> span = output.GetSpan(length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(length - DataPlaneProtocol.LengthPrefix));
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Version);
        span[10] = (byte)clusterLength;
        span[11] = (byte)nodeLength;
        Encoding.UTF8.GetBytes(identity.ClusterId, span[HelloHeaderLength..]);
        Encoding.UTF8.GetBytes(identity.NodeName, span[(HelloHeaderLength + clusterLength)..]);
        output.Advance(length);
    }

    /// <summary>Reads a whole hello frame; throws <see cref="DataPlaneProtocolException"/> when it is not one.</summary>
    public static PeerIdentity ReadHello(ReadOnlySpan<byte> frame)
    {
        CheckMagic(frame, "hello");
        int clusterLength = frame[10], nodeLength = frame[11];
        if (frame.Length != HelloHeaderLength + clusterLength + nodeLength)
        {
            throw new DataPlaneProtocolException($"hello of {frame.Length} bytes does not match its name lengths");
        }
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            return new PeerIdentity(strict.GetString(frame.Slice(HelloHeaderLength, clusterLength)),
                strict.GetString(frame.Slice(HelloHeaderLength + clusterLength, nodeLength)));
        }
        catch (DecoderFallbackException)
        {
            throw new DataPlaneProtocolException("hello names are not UTF-8");
        }
    }

    /// <summary>Writes the welcome frame into <paramref name="span"/> (<see cref="WelcomeLength"/> bytes).</summary>
    public static void WriteWelcome(Span<byte> span, int itemSizeMax)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span, WelcomeLength - DataPlaneProtocol.LengthPrefix);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], itemSizeMax);
    }

    /// <summary>Reads a welcome frame: the serving pool's item size limit.</summary>
    public static int ReadWelcome(ReadOnlySpan<byte> frame)
    {
        if (frame.Length != WelcomeLength || BinaryPrimitives.ReadUInt32LittleEndian(frame) != WelcomeLength - DataPlaneProtocol.LengthPrefix)
        {
            throw new DataPlaneProtocolException("the peer's first frame is not a welcome");
        }
        CheckMagic(frame, "welcome");
        int itemSizeMax = BinaryPrimitives.ReadInt32LittleEndian(frame[12..]);
        return itemSizeMax > 0 ? itemSizeMax : throw new DataPlaneProtocolException($"welcome with item size max {itemSizeMax}");
    }

    private static void CheckMagic(ReadOnlySpan<byte> frame, string what)
    {
        if (frame.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]) != Magic)
        {
            throw new DataPlaneProtocolException($"the first frame is not a data-plane {what}");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]);
        if (version != Version)
        {
            throw new DataPlaneProtocolException($"{what} of protocol version {version}; this node speaks {Version}");
        }
    }
}

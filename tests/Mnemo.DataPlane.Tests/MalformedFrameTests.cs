using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>A malformed frame closes the connection that sent it; the server keeps serving the others.</summary>
public sealed class MalformedFrameTests : IAsyncLifetime
{
    private static readonly byte[] Region = Bytes.Of(TestNode.RegionName);
    private TestNode _node = null!;
    private PeerConnection _healthy = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("node-a");
        _healthy = _node.Connect();
        Assert.Equal(CacheStatus.Ok, (await _healthy.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
    }

    public async Task DisposeAsync()
    {
        await _healthy.DisposeAsync();
        await _node.DisposeAsync();
    }

    public static TheoryData<string> Malformations => new()
    {
        "unknown-op", "oversized-length", "short-length", "key-too-long", "region-empty", "key-beyond-body", "value-on-get", "get-without-key",
        "delete-unknown-option", "versions-too-many-buckets", "versions-bitmap-of-wrong-length",
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public async Task Malformed_frame_closes_only_that_connection(string malformation)
    {
        using Socket socket = await AdmittedSocketAsync(_node.EndPoint);
        await socket.SendAsync(Frame(malformation), SocketFlags.None);

        // The server answers nothing and closes: the read ends (0 bytes) instead of waiting.
        byte[] buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(0, received);

        var value = new ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.Ok, (await _healthy.GetAsync(Region, Bytes.Of("k"), value)).Status);
        Assert.Equal("v", Bytes.Text(value.WrittenSpan));
    }

    [Fact]
    public async Task A_valid_frame_on_a_raw_socket_is_answered()
    {
        using Socket socket = await AdmittedSocketAsync(_node.EndPoint);
        var frame = new ArrayBufferWriter<byte>();
        DataPlaneRequest.Write(frame, 77, new DataPlaneRequestFields(DataPlaneOpCode.Get), Region, Bytes.Of("k"), default);
        await socket.SendAsync(frame.WrittenMemory, SocketFlags.None);

        byte[] buffer = new byte[DataPlaneProtocol.ResponseHeaderLength + 1];
        int received = 0;
        while (received < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
            Assert.NotEqual(0, n);
            received += n;
        }
        DataPlaneResponse response = DataPlaneResponse.Read(buffer);
        Assert.Equal(77u, response.Id);
        Assert.Equal(CacheStatus.Ok, response.Status);
        Assert.Equal((byte)'v', buffer[^1]);
    }

    /// <summary>A raw connection past the handshake: hello sent, welcome read.</summary>
    internal static async Task<Socket> AdmittedSocketAsync(System.Net.IPEndPoint endPoint, PeerIdentity? identity = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        var hello = new ArrayBufferWriter<byte>();
        DataPlaneHandshake.WriteHello(hello, identity ?? new PeerIdentity("test", "raw"));
        await socket.SendAsync(hello.WrittenMemory, SocketFlags.None);
        byte[] welcome = new byte[DataPlaneHandshake.WelcomeLength];
        for (int received = 0; received < welcome.Length;)
        {
            int n = await socket.ReceiveAsync(welcome.AsMemory(received), SocketFlags.None);
            Assert.NotEqual(0, n);
            received += n;
        }
        DataPlaneHandshake.ReadWelcome(welcome);
        return socket;
    }

    private static byte[] Frame(string malformation)
    {
        var writer = new ArrayBufferWriter<byte>();
        DataPlaneRequest.Write(writer, 1, new DataPlaneRequestFields(DataPlaneOpCode.Get), Region, Bytes.Of("k"), default);
        byte[] frame = writer.WrittenSpan.ToArray();
        switch (malformation)
        {
            case "unknown-op":
                frame[8] = 200;
                break;
            case "oversized-length":
                BinaryPrimitives.WriteUInt32LittleEndian(frame, 64 << 20);
                break;
            case "short-length":
                BinaryPrimitives.WriteUInt32LittleEndian(frame, 8);
                break;
            case "key-too-long":
                BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(12), 251);
                break;
            case "region-empty":
                frame[10] = 0;
                break;
            case "key-beyond-body":
                BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(12), 200);
                break;
            case "value-on-get":
                frame = [.. frame, (byte)'x'];
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
                break;
            case "delete-unknown-option":
                frame[8] = (byte)DataPlaneOpCode.Delete;
                frame[11] = 128; // no write option uses it (every bit of a get's options has a meaning)
                break;
            case "versions-too-many-buckets":
                frame = VersionsFrame(ReplicaVersions.MaxBuckets + 1, []);
                break;
            case "versions-bitmap-of-wrong-length":
                frame = VersionsFrame(64, new byte[3]); // 64 buckets take 8 bytes
                break;
            case "get-without-key":
                frame = frame[..^1];
                BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(12), 0);
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
                break;
        }
        return frame;
    }

    private static byte[] VersionsFrame(int buckets, byte[] bitmap)
    {
        var writer = new ArrayBufferWriter<byte>();
        DataPlaneRequest.Write(writer, 1, new DataPlaneRequestFields(DataPlaneOpCode.Versions, Flags: (uint)buckets), Region, default, bitmap);
        return writer.WrittenSpan.ToArray();
    }
}

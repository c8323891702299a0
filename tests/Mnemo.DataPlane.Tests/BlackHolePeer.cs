using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// A peer that accepts connections, answers the handshake, then reads requests but never answers:
/// requests stay in flight until it is closed. With <c>readRequests: false</c> it does not even read
/// them, so the client's socket buffers fill and its sends wait.
/// </summary>
public sealed class BlackHolePeer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private readonly bool _readRequests;
    private long _bytesReceived;

    public BlackHolePeer(bool readRequests = true)
    {
        _readRequests = readRequests;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Resets every accepted connection, as a crashed process would.</summary>
    public void CloseConnections()
    {
        lock (_accepted)
        {
            foreach (Socket socket in _accepted)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
            }
            _accepted.Clear();
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        CloseConnections();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket socket = await _listener.AcceptAsync();
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
                _ = DrainAsync(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Listener closed.
        }
    }

    private async Task DrainAsync(Socket socket)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            if (!await ReceiveExactlyAsync(socket, buffer.AsMemory(0, DataPlaneProtocol.LengthPrefix)))
            {
                return;
            }
            int rest = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer);
            if (!await ReceiveExactlyAsync(socket, buffer.AsMemory(DataPlaneProtocol.LengthPrefix, rest)))
            {
                return;
            }
            DataPlaneHandshake.ReadHello(buffer.AsSpan(0, DataPlaneProtocol.LengthPrefix + rest));
            byte[] welcome = new byte[DataPlaneHandshake.WelcomeLength];
            DataPlaneHandshake.WriteWelcome(welcome, (int)EngineLimits.ItemSizeMaxDefault);
            await socket.SendAsync(welcome, SocketFlags.None);
            if (!_readRequests)
            {
                return;
            }
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                Interlocked.Add(ref _bytesReceived, read);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed by the test.
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        for (int received = 0; received < buffer.Length;)
        {
            int read = await socket.ReceiveAsync(buffer[received..], SocketFlags.None);
            if (read == 0)
            {
                return false;
            }
            received += read;
        }
        return true;
    }
}

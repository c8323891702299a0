using System.Net;
using System.Net.Sockets;

namespace Mnemo.DataPlane.Tests;

/// <summary>A peer that accepts connections and reads requests but never answers: requests stay in flight until it is closed.</summary>
public sealed class BlackHolePeer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private long _bytesReceived;

    public BlackHolePeer()
    {
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
}

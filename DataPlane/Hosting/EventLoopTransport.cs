using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>
/// The cache's socket transport on Linux: connections spread over one <see cref="EventLoop"/> thread
/// per core, the way memcached's worker threads serve them, instead of .NET's socket engine. That
/// engine tries every receive before waiting for epoll; in request/response traffic the try finds
/// nothing, so it costs two receives and a hand-over per request, where this one receives once, when
/// epoll says there is data (<c>docs/benchmarks.md</c>, memcached gateway). Elsewhere
/// <see cref="Create"/> and <see cref="CacheTransport"/> give Kestrel's socket transport (<see cref="SocketTransport"/>).
/// </summary>
public sealed class EventLoopTransport : IConnectionListenerFactory, IAsyncDisposable
{
    private readonly EventLoop[] _loops;
    private readonly long _maxReadBufferBytes;
    private int _next;

    /// <summary>Starts one loop thread per core. Linux only (<see cref="Create"/> chooses).</summary>
    /// <param name="maxReadBufferBytes">Input a connection may buffer before its handler consumes it;
    /// a request is parsed once complete, so the largest request must fit.</param>
    internal EventLoopTransport(ILoggerFactory loggerFactory, long maxReadBufferBytes)
    {
        _maxReadBufferBytes = maxReadBufferBytes;
        ILogger logger = loggerFactory.CreateLogger<EventLoopTransport>();
        _loops = Enumerable.Range(0, Environment.ProcessorCount).Select(i => new EventLoop($"cache event loop {i}", logger)).ToArray();
    }

    /// <summary>
    /// The transport for cache connections (memcached gateways, the data plane): event loops on
    /// Linux, one per core; elsewhere Kestrel's socket transport. Dispose the returned owner with the last
    /// server that uses the transport.
    /// </summary>
    /// <param name="maxReadBufferBytes">Input a connection may buffer before its handler consumes it.</param>
    public static (IConnectionListenerFactory Transport, IAsyncDisposable Owner) Create(ILoggerFactory loggerFactory, long maxReadBufferBytes)
    {
        if (!Epoll.IsSupported)
            return SocketTransport.CreateStandalone(loggerFactory, maxReadBufferBytes);
        var transport = new EventLoopTransport(loggerFactory, maxReadBufferBytes);
        return (transport, transport);
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint is IPEndPoint { Address: var address } && address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(512);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new(new Listener(this, socket));
    }

    /// <summary>Hands an accepted socket to the next loop, round robin.</summary>
    private EventLoopConnection Attach(Socket socket)
    {
        socket.NoDelay = true;
        socket.Blocking = false;
        EventLoop loop = _loops[(uint)Interlocked.Increment(ref _next) % (uint)_loops.Length];
        var connection = new EventLoopConnection(socket, loop, _maxReadBufferBytes);
        loop.Add(connection);
        connection.Start();
        return connection;
    }

    public ValueTask DisposeAsync()
    {
        foreach (EventLoop loop in _loops)
            loop.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Listener(EventLoopTransport transport, Socket socket) : IConnectionListener
    {
        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    return null;
                }
                catch (ObjectDisposedException)
                {
                    return null;
                }
                catch (SocketException)
                {
                    // A client that reset before its connection was accepted: accept the next one.
                    continue;
                }
                return transport.Attach(accepted);
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

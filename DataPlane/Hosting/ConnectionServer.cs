using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mnemo.DataPlane;

/// <summary>
/// Serves a <see cref="ConnectionHandler"/> on one TCP endpoint through Kestrel's socket transport,
/// without an HTTP server around it: a silo opens and closes memcached gateways while it runs (a
/// Memshack applied or deleted), which Kestrel's fixed endpoint list cannot do. Disposing stops
/// accepting, aborts the open connections and waits for their handlers to return.
/// </summary>
public sealed class ConnectionServer : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly ConnectionHandler _handler;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ConnectionContext, Task> _connections = new();
    private readonly Task _accepting;

    private ConnectionServer(IConnectionListener listener, ConnectionHandler handler, ILogger logger)
    {
        _listener = listener;
        _handler = handler;
        _logger = logger;
        _accepting = AcceptAsync();
    }

    /// <summary>Where the server listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    /// <summary>Binds <paramref name="endPoint"/> and starts accepting.</summary>
    /// <param name="maxReadBufferBytes">Input a connection may buffer before the handler consumes it: a
    /// request is parsed once complete, so the largest request must fit.</param>
    /// <exception cref="AddressInUseException">The port is taken.</exception>
    public static async Task<ConnectionServer> StartAsync(IPEndPoint endPoint, ConnectionHandler handler, long maxReadBufferBytes,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions
        {
            // Cache requests are short and never block: running them on the socket's I/O thread
            // saves a thread-pool hop per read.
            UnsafePreferInlineScheduling = true,
            // Receive straight into a buffer rather than first waiting with a zero-byte read: one
            // socket operation per request instead of two, for 4 KiB held by each idle connection.
            WaitForDataBeforeAllocatingBuffer = false,
            MaxReadBufferSize = maxReadBufferBytes,
        }), loggerFactory);
        IConnectionListener listener = await transport.BindAsync(endPoint, cancellationToken).ConfigureAwait(false);
        return new ConnectionServer(listener, handler, loggerFactory.CreateLogger<ConnectionServer>());
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            ConnectionContext? connection;
            try
            {
                connection = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (connection is null)
                return;
            _connections[connection] = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        try
        {
            await _handler.OnConnectedAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connection {ConnectionId} from {Remote} failed", connection.ConnectionId, connection.RemoteEndPoint);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(connection, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync().ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        foreach (ConnectionContext connection in _connections.Keys)
            connection.Abort(new ConnectionAbortedException("the server is stopping"));
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}

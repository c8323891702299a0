using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>
/// Serves a <see cref="ConnectionHandler"/> on one TCP endpoint through Kestrel's socket transport
/// (<see cref="SocketTransport"/>), without an HTTP server around it: a silo opens and closes
/// memcached gateways while it runs (a Memshack applied or deleted), which Kestrel's fixed endpoint
/// list cannot do. Disposing stops accepting, aborts the open connections and waits for their
/// handlers to return.
/// </summary>
public sealed class ConnectionServer : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly ConnectionHandler _handler;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ConnectionContext, Task> _connections = new();
    private readonly Task _accepting;
    private readonly IAsyncDisposable? _transportOwner;

    private ConnectionServer(IConnectionListener listener, ConnectionHandler handler, ILogger logger, IAsyncDisposable? transportOwner)
    {
        _listener = listener;
        _transportOwner = transportOwner;
        _handler = handler;
        _logger = logger;
        _accepting = AcceptAsync();
    }

    /// <summary>Where the server listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    /// <summary>Binds <paramref name="endPoint"/> on <paramref name="transport"/> and starts accepting.</summary>
    /// <param name="transportOwner">Disposed with this server: the standalone transport's host, when this server is its only user.</param>
    /// <exception cref="AddressInUseException">The port is taken.</exception>
    public static async Task<ConnectionServer> StartAsync(IConnectionListenerFactory transport, IPEndPoint endPoint, ConnectionHandler handler,
        ILoggerFactory loggerFactory, IAsyncDisposable? transportOwner = null, CancellationToken cancellationToken = default)
    {
        IConnectionListener listener = await transport.BindAsync(endPoint, cancellationToken).ConfigureAwait(false);
        return new ConnectionServer(listener, handler, loggerFactory.CreateLogger<ConnectionServer>(), transportOwner);
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
            // As Kestrel does: the connection runs on the thread pool without the accept loop's
            // execution context, so no await of the request loop restores one.
            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection] = served.Task;
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.ServeAsync(state.Connection, state.Served),
                (Server: this, Connection: connection, Served: served), preferLocal: false);
        }
    }

    private async Task ServeAsync(ConnectionContext connection, TaskCompletionSource served)
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
            served.SetResult();
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
        if (_transportOwner is not null)
            await _transportOwner.DisposeAsync().ConfigureAwait(false);
    }
}

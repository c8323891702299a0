using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>The data-plane server of one node: peers' replica operations on the regions of its pool.</summary>
public sealed class DataPlaneServer : IAsyncDisposable
{
    private readonly ConnectionServer _server;

    private DataPlaneServer(ConnectionServer server) => _server = server;

    /// <summary>Where the server listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint EndPoint => _server.EndPoint;

    /// <summary>Starts serving <paramref name="pool"/>'s regions on <paramref name="endPoint"/> (port 0 picks a free port).</summary>
    /// <param name="admission">Which connecting peers may use it (a silo admits the current members of its cluster).</param>
    /// <param name="tls">Null: plain TCP; else peers must complete a mutual-TLS handshake first.</param>
    /// <param name="transport">The host's cache transport (<see cref="CacheTransport"/>); null: one of the server's own.</param>
    /// <exception cref="Microsoft.AspNetCore.Connections.AddressInUseException">The port is taken.</exception>
    public static async Task<DataPlaneServer> StartAsync(IPEndPoint endPoint, EnginePool pool, PeerAdmission admission, ILoggerFactory loggerFactory,
        IConnectionListenerFactory? transport = null, PeerTls? tls = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var handler = new DataPlaneConnectionHandler(new RegionDirectory(pool), admission, tls, loggerFactory.CreateLogger<DataPlaneConnectionHandler>());
        IAsyncDisposable? owner = null;
        if (transport is null)
            (transport, owner) = EventLoopTransport.Create(loggerFactory, MaxInputBufferBytes(pool));
        try
        {
            return new DataPlaneServer(await ConnectionServer.StartAsync(transport, endPoint, handler, loggerFactory, owner, cancellationToken).ConfigureAwait(false));
        }
        catch when (owner is not null)
        {
            await owner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The input buffering a peer connection needs: the largest request frame, with room for the next one's start.</summary>
    public static long MaxInputBufferBytes(EnginePool pool) => DataPlaneProtocol.MaxRequestLength((int)pool.GetStats().ItemSizeMax) + 64 * 1024;

    /// <summary>
    /// Stops at once: open connections are aborted rather than drained (peers see their in-flight
    /// operations fail and retry elsewhere), because a peer connection is never idle-closed by its client.
    /// </summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

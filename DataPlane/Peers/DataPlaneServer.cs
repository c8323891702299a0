using System.Net;
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
    /// <exception cref="Microsoft.AspNetCore.Connections.AddressInUseException">The port is taken.</exception>
    public static async Task<DataPlaneServer> StartAsync(IPEndPoint endPoint, EnginePool pool, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var handler = new DataPlaneConnectionHandler(new RegionDirectory(pool), loggerFactory.CreateLogger<DataPlaneConnectionHandler>());
        long maxRequest = DataPlaneProtocol.MaxRequestLength((int)pool.GetStats().ItemSizeMax);
        return new DataPlaneServer(await ConnectionServer.StartAsync(endPoint, handler, maxRequest + 64 * 1024, loggerFactory, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Stops at once: open connections are aborted rather than drained (peers see their in-flight
    /// operations fail and retry elsewhere), because a peer connection is never idle-closed by its client.
    /// </summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

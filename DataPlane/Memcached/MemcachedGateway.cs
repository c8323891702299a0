using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>Starts a memcached gateway over a cache store on one endpoint.</summary>
public static class MemcachedGateway
{
    /// <param name="transport">The host's cache transport (<see cref="CacheTransport"/>); null: one of the gateway's own (<see cref="EventLoopTransport.Create"/>).</param>
    /// <exception cref="Microsoft.AspNetCore.Connections.AddressInUseException">The port is taken.</exception>
    public static async Task<MemcachedGatewayHost> StartAsync(IPEndPoint endpoint, IAsyncCacheStore store, ILoggerFactory loggerFactory,
        MemcachedGatewayOptions? options = null, IConnectionListenerFactory? transport = null, CancellationToken cancellationToken = default)
    {
        options ??= new MemcachedGatewayOptions();
        var handler = new MemcachedConnectionHandler(store, options, loggerFactory.CreateLogger<MemcachedConnectionHandler>());
        IAsyncDisposable? owner = null;
        if (transport is null)
            (transport, owner) = EventLoopTransport.Create(loggerFactory, RequiredInputBufferBytes(store, options));
        try
        {
            return new MemcachedGatewayHost(await ConnectionServer.StartAsync(transport, endpoint, handler, loggerFactory, owner, cancellationToken), handler.Metrics);
        }
        catch
        {
            handler.Metrics.Dispose();
            if (owner is not null)
                await owner.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The input buffering a connection needs: a command is parsed once it is complete, so the whole
    /// of the largest item (or longest multi-get line) must fit.
    /// </summary>
    public static long RequiredInputBufferBytes(IAsyncCacheStore store, MemcachedGatewayOptions options) =>
        Math.Max(store.ItemSizeMax, options.MaxMultiGetLineBytes) + 64 * 1024;
}

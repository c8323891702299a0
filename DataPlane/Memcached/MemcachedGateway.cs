using System.Net;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>Starts a memcached gateway over a cache store on one endpoint.</summary>
public static class MemcachedGateway
{
    /// <exception cref="Microsoft.AspNetCore.Connections.AddressInUseException">The port is taken.</exception>
    public static async Task<MemcachedGatewayHost> StartAsync(IPEndPoint endpoint, IAsyncCacheStore store, ILoggerFactory loggerFactory,
        MemcachedGatewayOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MemcachedGatewayOptions();
        var handler = new MemcachedConnectionHandler(store, options, loggerFactory.CreateLogger<MemcachedConnectionHandler>());
        ConnectionServer server = await ConnectionServer.StartAsync(endpoint, handler, RequiredInputBufferBytes(store, options), loggerFactory, cancellationToken);
        return new MemcachedGatewayHost(server);
    }

    /// <summary>
    /// The input buffering a connection needs: a command is parsed once it is complete, so the whole
    /// of the largest item (or longest multi-get line) must fit.
    /// </summary>
    public static long RequiredInputBufferBytes(IAsyncCacheStore store, MemcachedGatewayOptions options) =>
        Math.Max(store.ItemSizeMax, options.MaxMultiGetLineBytes) + 64 * 1024;
}

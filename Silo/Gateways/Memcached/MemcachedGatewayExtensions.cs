using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>Wiring for a host that runs Kestrel: register the gateway's services, then serve it on a listener.</summary>
public static class MemcachedGatewayExtensions
{
    /// <summary>
    /// Registers the gateway's options (section <see cref="MemcachedGatewayOptions.SectionName"/> when
    /// bound by the host). The host must also register the <see cref="IAsyncCacheStore"/> to serve.
    /// </summary>
    public static IServiceCollection AddMemcachedGateway(this IServiceCollection services, Action<MemcachedGatewayOptions>? configure = null)
    {
        var options = services.AddOptions<MemcachedGatewayOptions>().BindConfiguration(MemcachedGatewayOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        return services;
    }

    /// <summary>
    /// The input buffering a connection needs: a command is parsed once it is complete, so the whole
    /// of the largest item (or longest multi-get line) must fit. Kestrel's
    /// <c>Limits.MaxRequestBufferSize</c> (1 MiB by default) must be at least this, or a large set stalls.
    /// </summary>
    public static long RequiredInputBufferBytes(IAsyncCacheStore store, MemcachedGatewayOptions options) =>
        Math.Max(store.ItemSizeMax, options.MaxMultiGetLineBytes) + 64 * 1024;

    /// <summary>
    /// Serves the memcached protocol on this listener: <c>kestrel.Listen(ep, l =&gt; l.UseMemcachedGateway())</c>.
    /// Set Kestrel's <c>Limits.MaxRequestBufferSize</c> to at least <see cref="RequiredInputBufferBytes"/>.
    /// </summary>
    public static IConnectionBuilder UseMemcachedGateway(this IConnectionBuilder listener) =>
        listener.UseConnectionHandler<MemcachedConnectionHandler>();
}

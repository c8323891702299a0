using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.DataPlane;

/// <summary>
/// The transport a host's cache servers (memcached gateways, the data plane) listen on: a keyed
/// <see cref="IConnectionListenerFactory"/>, so Kestrel's own servers (health, gRPC) keep the socket
/// transport registered for them. On Linux it is an <see cref="EventLoopTransport"/> with a loop per
/// core; elsewhere the host's Kestrel socket transport (<see cref="SocketTransport.Configure"/>).
/// </summary>
public static class CacheTransport
{
    public const string ServiceKey = "mnemo-cache";

    /// <param name="maxReadBufferBytes">Input a connection may buffer (the largest request must fit), from the host's services.</param>
    public static IServiceCollection AddCacheTransport(this IServiceCollection services, Func<IServiceProvider, long> maxReadBufferBytes)
    {
        if (Epoll.IsSupported)
            return services.AddKeyedSingleton<IConnectionListenerFactory>(ServiceKey, (provider, _) =>
                new EventLoopTransport(provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(), maxReadBufferBytes(provider)));
        return services.AddKeyedSingleton(ServiceKey, (provider, _) => provider.GetRequiredService<IConnectionListenerFactory>());
    }
}

using System.Net;
using Microsoft.Extensions.Hosting;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>A running standalone gateway; disposing stops it and closes its connections.</summary>
public sealed class MemcachedGatewayHost : IAsyncDisposable
{
    private readonly IHost _host;

    internal MemcachedGatewayHost(IHost host, IPEndPoint endpoint)
    {
        _host = host;
        Endpoint = endpoint;
    }

    /// <summary>Where the gateway listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint Endpoint { get; }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}

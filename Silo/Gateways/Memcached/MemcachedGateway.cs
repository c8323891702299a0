using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>
/// Starts a standalone memcached gateway (its own small Kestrel server) over a cache store: for tests,
/// benchmarks and tools. A silo that already runs Kestrel adds the gateway to its own host with
/// <see cref="MemcachedGatewayExtensions"/> instead.
/// </summary>
public static class MemcachedGateway
{
    public static async Task<MemcachedGatewayHost> StartAsync(IPEndPoint endpoint, IAsyncCacheStore store, ILoggerFactory loggerFactory,
        MemcachedGatewayOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MemcachedGatewayOptions();
        IHost host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton(loggerFactory);
                services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
                services.AddSingleton(store);
                services.AddSingleton(Options.Create(options));
            })
            .ConfigureWebHost(web => web
                .UseSockets(sockets =>
                {
                    // Cache requests are short and never block: running them on the socket's I/O thread
                    // saves a thread-pool hop per read.
                    sockets.UnsafePreferInlineScheduling = true;
                    // Receive straight into a buffer rather than first waiting with a zero-byte read: one
                    // socket operation per request instead of two, for 4 KiB held by each idle connection.
                    sockets.WaitForDataBeforeAllocatingBuffer = false;
                })
                .UseKestrel(kestrel =>
                {
                    kestrel.AddServerHeader = false;
                    kestrel.Limits.MaxRequestBufferSize = MemcachedGatewayExtensions.RequiredInputBufferBytes(store, options);
                    kestrel.Listen(endpoint, listen => listen.UseMemcachedGateway());
                })
                .Configure(_ => { }))
            .Build();
        await host.StartAsync(cancellationToken);

        string address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new IPEndPoint(endpoint.Address, new Uri(address).Port);
        return new MemcachedGatewayHost(host, bound);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>
/// Kestrel's socket transport as the cache serves it. A silo takes the transport of its own web
/// host (<see cref="Configure"/> on its builder); a process without one gets the same transport from
/// <see cref="CreateStandalone"/>. Either way it comes out of Kestrel's own service registration,
/// which gives it Kestrel's pinned, pooled buffers: built by hand, the transport falls back to a
/// plainer memory pool and serves about a tenth fewer requests.
/// </summary>
public static class SocketTransport
{
    /// <summary>Cache requests are short and never block: run them on the socket's I/O thread (no
    /// thread-pool hop per read) and receive straight into a buffer (one socket operation per request
    /// instead of a zero-byte wait first, for 4 KiB held by each idle connection).</summary>
    /// <param name="maxReadBufferBytes">Input a connection may buffer before its handler consumes it;
    /// a request is parsed once complete, so the largest request must fit.</param>
    public static void Configure(SocketTransportOptions options, long maxReadBufferBytes)
    {
        options.UnsafePreferInlineScheduling = true;
        options.WaitForDataBeforeAllocatingBuffer = false;
        options.MaxReadBufferSize = maxReadBufferBytes;
    }

    /// <summary>A transport for a process that runs no web host of its own (tests, benchmarks, tools).
    /// Dispose the returned host with the last server that uses the transport.</summary>
    public static (IConnectionListenerFactory Transport, IAsyncDisposable Owner) CreateStandalone(ILoggerFactory loggerFactory, long maxReadBufferBytes)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrelCore().UseSockets(options => Configure(options, maxReadBufferBytes));
        WebApplication host = builder.Build();
        return (host.Services.GetRequiredService<IConnectionListenerFactory>(), host);
    }
}

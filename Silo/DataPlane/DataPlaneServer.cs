using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;

namespace Mnemo.Silo.DataPlane;

/// <summary>
/// A stand-alone data-plane server on its own Kestrel instance, for a host that does not run one
/// already (a silo that does can call <see cref="DataPlaneExtensions.UseDataPlane"/> on a listener).
/// </summary>
public sealed class DataPlaneServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DataPlaneServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    /// <summary>Where the server listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts serving <paramref name="pool"/>'s regions on <paramref name="endPoint"/> (port 0 picks a free port).</summary>
    public static async Task<DataPlaneServer> StartAsync(IPEndPoint endPoint, EnginePool pool, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(pool);
        builder.Services.AddDataPlane();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(endPoint, listener => listener.UseDataPlane()));
        WebApplication app = builder.Build();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        IServerAddressesFeature? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        string bound = addresses?.Addresses.FirstOrDefault() ?? throw new InvalidOperationException("the data-plane server reported no address");
        return new DataPlaneServer(app, new IPEndPoint(endPoint.Address, new Uri(bound).Port));
    }

    /// <summary>
    /// Stops at once: open connections are aborted rather than drained (peers see their in-flight
    /// operations fail and retry elsewhere), because a peer connection is never idle-closed by its client.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

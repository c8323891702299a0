using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;

namespace Mnemo.Cluster.Tests.Transport;

/// <summary>A real Kestrel h2c server on a free loopback port serving the transport endpoints with
/// a handler chosen by the test.</summary>
internal sealed class TransportTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TransportTestServer(WebApplication app, SiloAddress address)
    {
        _app = app;
        Address = address;
    }

    public SiloAddress Address { get; }

    public static async Task<TransportTestServer> StartAsync(
        Func<GrainRequest, CancellationToken, Task<GrainResponse>> handle, TransportOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(options ?? new TransportOptions());
        builder.Services.AddSingleton<IGrainRequestHandler>(new DelegateHandler(handle));
        builder.Services.AddSingleton<ISiloControlHandler>(new FixedControlHandler());
        var app = builder.Build();
        app.MapMnemoTransport();
        await app.StartAsync();
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new TransportTestServer(app, new SiloAddress("127.0.0.1", url.Port, 1, "test"));
    }

    /// <summary>Stops without draining: Kestrel resets the connections with calls still in flight.</summary>
    public async Task AbortAsync()
    {
        using var noGrace = new CancellationTokenSource();
        await noGrace.CancelAsync();
        await _app.StopAsync(noGrace.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class DelegateHandler(Func<GrainRequest, CancellationToken, Task<GrainResponse>> handle) : IGrainRequestHandler
    {
        public Task<GrainResponse> HandleAsync(GrainRequest request, CancellationToken cancellationToken) => handle(request, cancellationToken);
    }

    internal sealed class FixedControlHandler : ISiloControlHandler
    {
        public bool IsServing => true;

        public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new PingResponse { Responder = request.Sender, Status = MemberStatus.Active, ActivationCount = 7 });

        public Task<MembersResponse> GetMembersAsync(MembersRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MembersResponse());
    }
}

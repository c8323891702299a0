using System.Reflection;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.Grains.Memshack;
using Mnemo.Grains.NodeMemory;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Mnemo.Silo.Membership;
using Mnemo.Silo.Memshack;
using Mnemo.Silo.Runtime;

namespace Mnemo.Silo.Hosting;

/// <summary>Builds a silo: Kestrel with an h2c port for grain calls and an HTTP/1.1 port for
/// health probes, the grain runtime, static membership, the node's pool and the Memshacks it serves
/// (memcached gateways and the replica data plane, see Silo/Memshack).</summary>
public static class SiloHost
{
    public static WebApplication Build(SiloOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "mnemo-silo" });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        // Kestrel logs every request at Information; that would drown the silo's own log.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // h2c needs an HTTP/2-only endpoint: with Http1AndHttp2 and no TLS Kestrel serves HTTP/1.1.
            Listen(kestrel, options.Host, options.SiloPort, HttpProtocols.Http2);
            Listen(kestrel, options.Host, options.HealthPort, HttpProtocols.Http1);
        });

        var generation = DateTime.UtcNow.Ticks;
        var self = new SiloAddress(options.Host, options.SiloPort, generation, options.NodeName);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(new TransportOptions());
        services.AddSingleton<Http2MessageTransport>();
        services.AddSingleton<IMessageTransport>(sp => sp.GetRequiredService<Http2MessageTransport>());

        services.AddSingleton(Options.Create(new MembershipOptions { Peers = [.. options.Peers] }));
        services.AddSingleton(new MembershipTable(self));
        services.AddSingleton<IMembershipProvider, StaticMembershipProvider>();
        services.AddSingleton<MembershipService>();
        services.AddSingleton<IMembershipView>(sp => sp.GetRequiredService<MembershipService>());
        services.AddSingleton<ISiloControlHandler>(sp => sp.GetRequiredService<MembershipService>());
        services.AddSingleton<IIncomingCallAdmission>(sp => sp.GetRequiredService<MembershipService>());
        services.AddHostedService(sp => sp.GetRequiredService<MembershipService>());

        services.AddSingleton(sp => NodePoolLoader.Open(options, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemo.Silo.Pool")));
        Assembly[] grainAssemblies = [typeof(NodeMemoryGrain).Assembly, .. options.GrainAssemblies.Select(path => Assembly.LoadFrom(Path.GetFullPath(path)))];
        services.AddGrainRuntime(grainAssemblies, runtime => runtime.IdleDeactivationAge = options.IdleAge);
        services.AddSingleton<ILocalActivationCounter, CatalogActivationCounter>();
        services.AddHostedService<SiloShutdown>();

        services.AddSingleton(new ServedMemshacks(options.DataPort));
        services.AddSingleton<PeerDataConnections>();
        services.AddHostedService<MemshackService>();

        var app = builder.Build();
        // Open the pool now: a silo whose pool cannot be opened must not start.
        app.Services.GetRequiredService<NodePool>();

        app.MapGroup("").RequireHost($"*:{options.SiloPort}").MapMnemoTransport();
        app.MapGroup("").RequireHost($"*:{options.HealthPort}").MapHealthEndpoints(app.Services.GetRequiredService<MembershipService>());

        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Silo {Self} listening: grain calls h2c://{Host}:{SiloPort}, health http://{Host}:{HealthPort}/healthz and /readyz, peers [{Peers}]",
            self, options.Host, options.SiloPort, options.Host, options.HealthPort, string.Join(", ", options.Peers)));
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols)
    {
        if (IPAddress.TryParse(host, out var address))
            kestrel.Listen(address, port, listen => listen.Protocols = protocols);
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            kestrel.ListenLocalhost(port, listen => listen.Protocols = protocols);
        else
            kestrel.ListenAnyIP(port, listen => listen.Protocols = protocols);
    }
}

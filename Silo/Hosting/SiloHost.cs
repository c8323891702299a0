using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.Api;
using Mnemo.DataPlane;
using Mnemo.Grains;
using Mnemo.Kubernetes;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Mnemo.Silo;

/// <summary>
/// Builds a silo: one web host with the Orleans silo (membership in the Kubernetes API), the
/// node's pool, HTTP health probes and metrics, the gRPC API (<c>Api/</c>), and the Memshack service
/// (the replica data plane and a memcached gateway per Memshack the API declares). Shutdown runs in
/// one order: the health and gRPC ports (one Kestrel server) close first, then the Memshack
/// gateways and the data plane, then the silo leaves the cluster.
/// </summary>
public static class SiloHost
{
    public static WebApplication Build(SiloSettings settings, Action<ILoggingBuilder>? configureLogging = null)
    {
        IPAddress address = IPAddress.TryParse(settings.Host, out IPAddress? parsed) ? parsed : IPAddress.Any;
        PortCheck.EnsureFree(address, [
            (settings.SiloPort, "Orleans silo port"), (settings.GatewayPort, "Orleans gateway port"),
            (settings.HealthPort, "health port"), (settings.DataPort, "data plane port")]);
        if (settings.Grpc.Port > 0)
            PortCheck.EnsureFree(GrpcGateway.AddressOf(settings.Grpc, address), [(settings.Grpc.Port, "gRPC port")]);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "mnemo-silo" });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        // Kestrel and the host narrate every start and request at Information; the silo says what matters itself.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        // Orleans' placement retries narrate every attempt through Polly at Information.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // A gRPC call that ends in an error status is logged at Information: the client has the status.
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        // The watchdog's first check measures from the machine's boot, not the process start: a false alarm each start.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        configureLogging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, settings.HealthPort, listen => listen.Protocols = HttpProtocols.Http1);
            if (settings.Grpc.Port > 0)
                GrpcGateway.Listen(kestrel, settings.Grpc, address);
        });
        // Kestrel's socket transport serves the health and gRPC ports.
        builder.WebHost.UseSockets();
        builder.Services.AddOptions<SocketTransportOptions>().Configure<NodePool>((sockets, pool) =>
            SocketTransport.Configure(sockets, CacheInputBufferBytes(pool, settings)));
        // The data plane and memcached gateways listen on the cache transport instead (event loops on Linux).
        builder.Services.AddCacheTransport(sp => CacheInputBufferBytes(sp.GetRequiredService<NodePool>(), settings));
        // Orleans must leave the cluster inside the pod's grace period; the DaemonSet allows more.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var kubernetes = KubernetesConnection.Create(settings.Kubeconfig, settings.Namespace);
        // Before the silo: the data plane must not open its port without the node's certificate.
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeCredentials>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeCredentials>());
        if (settings.Tls.Mode != SiloTlsMode.Off)
            builder.Services.AddClusterTls();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = "mnemo";
            });
            silo.Configure<Orleans.Configuration.SiloOptions>(options => options.SiloName = settings.NodeName);
            silo.ConfigureEndpoints(address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: address.Equals(IPAddress.Any));
            silo.UseKubernetesMembership(membership =>
            {
                membership.Namespace = settings.Namespace;
                membership.KubeconfigPath = settings.Kubeconfig;
            });
            silo.Configure<ClusterMembershipOptions>(MembershipTuning.Apply);
            silo.Configure<GrainCollectionOptions>(collection => collection.CollectionAge = settings.IdleAge);
            silo.AddMnemoGrains();
            silo.AddDashboard();
            if (settings.Tls.Mode != SiloTlsMode.Off)
                silo.UseClusterTls();
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(new NodeApiEndpoints(settings.Grpc.Port > 0 ? GrpcUri(settings, address) : null));
        services.AddSingleton(kubernetes);
        SiloLogLevel.Register(services);
        services.AddSingleton(sp => NodePoolLoader.Open(settings, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemo.Silo.Pool")));
        services.AddSingleton(new ServedMemshacks(settings.DataPort));
        services.AddSingleton<PeerDataConnections>();
        services.AddSingleton<MemshackFeed>();
        services.AddSingleton<ClusterNodes>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterNodes>());
        services.AddSingleton<MemshackService>();
        services.AddSingleton<IMemshackHost>(sp => sp.GetRequiredService<MemshackService>());
        services.AddHostedService(sp => sp.GetRequiredService<MemshackService>());
        services.AddSingleton<IMemshackStatusStore, MemshackStatusStore>();
        services.AddHostedService<ReconcilerLeadership>();
        services.AddSingleton(sp => new NodeRegistry(kubernetes.Client, settings.Namespace, sp.GetRequiredService<ILoggerFactory>().CreateLogger<NodeRegistry>()));
        services.AddSingleton<IKnownNodes, RegisteredNodes>();
        services.Configure<MemshackPlacementOptions>(options => options.JoinGrace = settings.NodeJoinGrace);
        if (settings.Grpc.Port > 0)
            services.AddMnemoGrpcGateway(settings.Grpc);
        services.AddSiloMetrics();
        services.AddManagementConsole(new ConsoleAccess(address, settings.ConsoleToken));
        services.AddSingleton<IClusterSnapshotStore, ClusterSnapshotStore>();
        services.AddSingleton<OrphanSnapshotSweep>();
        services.AddHostedService<ClusterSnapshotService>();

        var app = builder.Build();
        // Open the pool now: a silo whose pool cannot be opened must not start.
        app.Services.GetRequiredService<NodePool>();
        app.Services.GetRequiredService<ReplicationMetrics>();
        app.UseConsoleAccess();
        app.MapHealthEndpoints();
        app.MapMetricsEndpoint(settings.HealthPort);
        app.MapManagementConsole(settings.HealthPort);
        if (settings.Grpc.Port > 0)
            app.MapMnemoGrpcGateway(settings.Grpc);

        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Silo {Node} of cluster {Cluster} started: Orleans silo {Host}:{SiloPort}, gateway {Host}:{GatewayPort}, health http://{Host}:{HealthPort}/readyz, console http://{Host}:{HealthPort}/console/, data plane {Host}:{DataPort}, gRPC {Grpc}, Kubernetes API {Api}, TLS between silos {Tls}",
            settings.NodeName, settings.ClusterId, settings.Host, settings.SiloPort, settings.Host, settings.GatewayPort, settings.Host, settings.HealthPort,
            settings.Host, settings.HealthPort, settings.Host, settings.DataPort, GrpcEndpoint(settings.Grpc, address), kubernetes.Configuration.Host, settings.Tls.Mode.ToString().ToLowerInvariant()));
        return app;
    }

    /// <summary>Where clients reach the gRPC API: loopback for h2c, the silo's address (or host name) with TLS.</summary>
    private static string GrpcUri(SiloSettings settings, IPAddress address)
    {
        IPAddress listened = GrpcGateway.AddressOf(settings.Grpc, address);
        string host = listened.Equals(IPAddress.Any) ? settings.Host : listened.ToString();
        return new UriBuilder(settings.Grpc.CertificatePath is null ? "http" : "https", host, settings.Grpc.Port).Uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>Input a cache connection may buffer: the largest data-plane frame, item or multi-get line must fit.</summary>
    private static long CacheInputBufferBytes(NodePool pool, SiloSettings settings) => Math.Max(DataPlaneServer.MaxInputBufferBytes(pool.Pool),
        (long)Math.Max(pool.Pool.GetStats().ItemSizeMax, (ulong)settings.Memcached.MaxMultiGetLineBytes) + 64 * 1024);

    private static string GrpcEndpoint(GrpcGatewayOptions grpc, IPAddress address) => grpc.Port == 0
        ? "off"
        : $"{(grpc.CertificatePath is null ? "h2c" : "TLS")} {GrpcGateway.AddressOf(grpc, address)}:{grpc.Port}";
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.Api;

/// <summary>
/// Hosts the gRPC API in a silo's ASP.NET Core host, on a port of its own: the <c>mnemo.v1</c>
/// services, <c>grpc.health.v1.Health</c> and server reflection. Without a certificate the port serves
/// h2c on loopback only (cleartext HTTP/2 needs the protocol fixed to HTTP/2, as there is no TLS
/// negotiation to choose it); with one it serves TLS on the silo's address.
/// </summary>
public static class GrpcGateway
{
    /// <summary>The address the gateway listens on: loopback without TLS, else <paramref name="siloAddress"/>.</summary>
    public static IPAddress AddressOf(GrpcGatewayOptions options, IPAddress siloAddress) =>
        options.CertificatePath is null ? IPAddress.Loopback : siloAddress;

    public static void Listen(KestrelServerOptions kestrel, GrpcGatewayOptions options, IPAddress siloAddress)
    {
        X509Certificate2? certificate = options.CertificatePath is { } path ? X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath) : null;
        kestrel.Listen(AddressOf(options, siloAddress), options.Port, listen =>
        {
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
                return;
            }
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        });
    }

    public static IServiceCollection AddMnemoGrpcGateway(this IServiceCollection services, GrpcGatewayOptions options)
    {
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.MaxMessageBytes;
            // Outermost first: the metrics see the status the deadline handling settles on.
            grpc.Interceptors.Add<GrpcCallMetrics>();
            grpc.Interceptors.Add<DeadlineInterceptor>();
        });
        services.AddSingleton(options);
        services.AddGrpcReflection();
        services.AddSingleton<HealthServiceImpl>();
        services.AddHostedService<CacheHealthReporter>();
        return services;
    }

    /// <summary>Maps the services on the gateway's port only (the host's other ports never answer gRPC).</summary>
    public static void MapMnemoGrpcGateway(this IEndpointRouteBuilder endpoints, GrpcGatewayOptions options)
    {
        string host = $"*:{options.Port}";
        endpoints.MapGrpcService<CacheService>().RequireHost(host);
        endpoints.MapGrpcService<MemshacksService>().RequireHost(host);
        endpoints.MapGrpcService<MemoryService>().RequireHost(host);
        endpoints.MapGrpcService<SnapshotsService>().RequireHost(host);
        endpoints.MapGrpcService<HealthServiceImpl>().RequireHost(host);
        endpoints.MapGrpcReflectionService().RequireHost(host);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Api;
using Mnemo.DataPlane;
using OpenTelemetry.Metrics;

namespace Mnemo.Silo;

/// <summary><c>GET /metrics</c> on the health port, in Prometheus' text format: Orleans' meters, the
/// gRPC API's calls, the memcached gateways and replication (<see cref="DataPlaneMetrics"/>), and Kestrel's
/// connections (the gRPC and health ports).</summary>
public static class MetricsEndpoint
{
    public const string OrleansMeter = "Microsoft.Orleans";
    public const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    public static IServiceCollection AddSiloMetrics(this IServiceCollection services)
    {
        services.AddSingleton<ReplicationMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(OrleansMeter, GrpcCallMetrics.MeterName, DataPlaneMetrics.MeterName, KestrelMeter)
            .AddPrometheusExporter());
        return services;
    }

    public static IEndpointConventionBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints, int healthPort) =>
        endpoints.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{healthPort}");
}

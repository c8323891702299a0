using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Mnemo.Silo;

/// <summary>Probes for humans and Kubernetes: <c>/healthz</c> answers while the process runs,
/// <c>/readyz</c> once the silo is an Active member of the cluster (its pool is opened before the
/// silo starts at all).</summary>
public static class HealthEndpoints
{
    public static IEndpointConventionBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("");
        group.MapGet("/healthz", () => Results.Text("ok\n"));
        group.MapGet("/readyz", (IServiceProvider services) =>
        {
            var local = services.GetRequiredService<ILocalSiloDetails>();
            SiloStatus status = services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return status == SiloStatus.Active
                ? Results.Text($"ready {local.Name} {local.SiloAddress}\n")
                : Results.Text($"not ready: {status}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return group;
    }
}

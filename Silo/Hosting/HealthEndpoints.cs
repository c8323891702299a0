using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mnemo.Silo.Membership;

namespace Mnemo.Silo.Hosting;

/// <summary>Probes for humans and Kubernetes: <c>/healthz</c> answers while the process runs,
/// <c>/readyz</c> once the silo has joined the cluster as an active member (its pool is opened
/// before the silo starts at all).</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints, MembershipService membership)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", () => membership.IsServing
            ? Results.Text($"ready {membership.Self}\n")
            : Results.Text($"not ready: {membership.SelfStatus}\n",
                statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}

namespace Mnemo.Silo.Membership;

/// <summary>Where the other silos of the cluster may be listening. The membership service probes
/// these endpoints and learns each silo's incarnation and status from the answers. Static
/// configuration for dev and tests; a Kubernetes provider (silo pods by label) later.</summary>
public interface IMembershipProvider
{
    /// <summary>Endpoints (host:port) of candidate peers; this silo's own endpoint may be included.</summary>
    ValueTask<IReadOnlyList<string>> GetPeerEndpointsAsync(CancellationToken cancellationToken);
}

using Microsoft.Extensions.Options;

namespace Mnemo.Silo.Membership;

/// <summary>Peers given up front (options or environment), e.g. the loopback endpoints of a dev cluster.</summary>
public sealed class StaticMembershipProvider(IOptions<MembershipOptions> options) : IMembershipProvider
{
    private readonly IReadOnlyList<string> _peers = options.Value.Peers.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    public ValueTask<IReadOnlyList<string>> GetPeerEndpointsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_peers);
}

using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Client;

/// <summary>Marks a gateway down when a call to it fails at the transport level (a SILO_UNAVAILABLE
/// answer is about the grain's silo, not the gateway, so it does not count). The failing call still
/// fails (at-most-once: it may have run); the next call picks another gateway.</summary>
internal sealed class GatewayFailoverTransport(IMessageTransport inner, GatewayList gateways) : IMessageTransport
{
    public async Task<GrainResponse> SendAsync(SiloAddress target, GrainRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.SendAsync(target, request, cancellationToken);
        }
        catch (SiloUnavailableException)
        {
            gateways.MarkDown(target);
            throw;
        }
    }
}

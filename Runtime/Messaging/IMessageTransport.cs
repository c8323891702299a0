using Mnemo.Runtime.Messages;

namespace Mnemo.Runtime.Messaging;

/// <summary>The sending side of grain calls to another process (a silo or a gateway).
/// Implementations keep one multiplexed connection per peer. They never retry silently:
/// a request is delivered at most once. Cancelling the token (deadline or caller) cancels the
/// call on the wire. Transport failures surface as <see cref="SiloUnavailableException"/>.</summary>
public interface IMessageTransport
{
    Task<GrainResponse> SendAsync(SiloAddress target, GrainRequest request, CancellationToken cancellationToken);
}

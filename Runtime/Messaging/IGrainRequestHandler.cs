using Mnemo.Runtime.Messages;

namespace Mnemo.Runtime.Messaging;

/// <summary>The receiving side of grain calls: a silo's runtime implements it, the transport
/// server calls it for every request that arrives over the wire.</summary>
public interface IGrainRequestHandler
{
    Task<GrainResponse> HandleAsync(GrainRequest request, CancellationToken cancellationToken);
}

using Mnemo.Runtime.Messages;

namespace Mnemo.Runtime.Transport;

/// <summary>The silo's control-plane RPCs (membership probes and the member list). The membership
/// service implements it; the transport server only frames the calls.</summary>
public interface ISiloControlHandler
{
    Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken);

    Task<MembersResponse> GetMembersAsync(MembersRequest request, CancellationToken cancellationToken);

    /// <summary>Serving for the gRPC health protocol: the silo is an active member.</summary>
    bool IsServing { get; }
}

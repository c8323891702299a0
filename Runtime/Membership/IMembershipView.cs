using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Membership;

public enum SiloStatus { Joining, Active, ShuttingDown, Dead }

public sealed record SiloMember(SiloAddress Address, SiloStatus Status, DateTimeOffset Since);

/// <summary>What this process currently believes about the cluster. Placement and routing read
/// it; a membership provider (static for dev, Kubernetes later) keeps it current.</summary>
public interface IMembershipView
{
    /// <summary>This silo, or null in a client.</summary>
    SiloAddress? Self { get; }

    /// <summary>Every known member with its status, newest incarnation per endpoint.</summary>
    IReadOnlyList<SiloMember> Members { get; }

    /// <summary>Members whose status is Active, in a stable order.</summary>
    IReadOnlyList<SiloAddress> ActiveSilos { get; }

    /// <summary>Raised after any change of Members.</summary>
    event Action<IReadOnlyList<SiloMember>>? Changed;
}

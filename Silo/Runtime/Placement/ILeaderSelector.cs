using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Names the cluster leader, which hosts <see cref="Mnemo.Runtime.LeaderPlacementAttribute"/>
/// grains. Replace the registration to follow a Kubernetes Lease holder instead.</summary>
public interface ILeaderSelector
{
    SiloAddress? GetLeader(IMembershipView membership);
}

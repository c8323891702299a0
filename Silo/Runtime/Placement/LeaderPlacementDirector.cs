using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Places every grain of the type on the leader silo.</summary>
public sealed class LeaderPlacementDirector(ILeaderSelector leaderSelector) : IPlacementDirector
{
    public SiloAddress? PlaceGrain(GrainId grain, IMembershipView membership) => leaderSelector.GetLeader(membership);
}

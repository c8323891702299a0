using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Decides which silo owns a grain. Directors are deterministic functions of the grain id and
/// the membership view, so every silo with the same view computes the same owner and no directory
/// service is needed: placement is the directory.</summary>
public interface IPlacementDirector
{
    /// <summary>The owner, or null when no active silo may host the grain.</summary>
    SiloAddress? PlaceGrain(GrainId grain, IMembershipView membership);
}

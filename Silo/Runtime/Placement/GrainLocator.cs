using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Answers "which silo owns this grain now" with the director its class's placement names.</summary>
public sealed class GrainLocator(
    GrainTypeRegistry registry, IMembershipView membership,
    HashPlacementDirector hash, NodePinnedPlacementDirector nodePinned, LeaderPlacementDirector leader)
{
    public SiloAddress? Self => membership.Self;

    /// <summary>The owner, or null when no active silo may host it. Throws
    /// <see cref="GrainNotFoundException"/> for an unknown grain type.</summary>
    public SiloAddress? Locate(GrainId grain) => DirectorFor(registry.GetClass(grain.Type).Placement).PlaceGrain(grain, membership);

    private IPlacementDirector DirectorFor(PlacementAttribute placement) => placement switch
    {
        HashPlacementAttribute => hash,
        NodePinnedPlacementAttribute => nodePinned,
        LeaderPlacementAttribute => leader,
        _ => throw new NotSupportedException($"no placement director for {placement.GetType().Name}"),
    };
}

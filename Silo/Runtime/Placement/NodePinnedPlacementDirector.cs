using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>The grain key is a node name: the owner is the active silo on that node (the first in
/// silo order should a node run several).</summary>
public sealed class NodePinnedPlacementDirector : IPlacementDirector
{
    public SiloAddress? PlaceGrain(GrainId grain, IMembershipView membership)
    {
        SiloAddress? owner = null;
        foreach (SiloAddress silo in membership.ActiveSilos)
        {
            if (string.Equals(silo.NodeName, grain.Key, StringComparison.Ordinal)
                && (owner is null || SiloAddressOrder.Instance.Compare(silo, owner) < 0))
            {
                owner = silo;
            }
        }

        return owner;
    }
}

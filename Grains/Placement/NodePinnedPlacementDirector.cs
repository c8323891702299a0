using Mnemo.Grains.Interfaces;
using Orleans.Runtime.Placement;

namespace Mnemo.Grains;

/// <summary>
/// Picks the active silo whose name is the grain's key. There is no fallback: a node's pool is open
/// only in its own silo, so a call for a node without a live silo fails with
/// <see cref="NodeUnavailableException"/> instead of activating a grain that would report nothing.
/// </summary>
public sealed class NodePinnedPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string node = target.GrainIdentity.Key.ToString()!;
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
        {
            if (snapshot.Members.TryGetValue(silo, out ClusterMember? member) && member.Status == SiloStatus.Active && member.Name == node)
                return Task.FromResult(silo);
        }
        throw new NodeUnavailableException(node);
    }
}

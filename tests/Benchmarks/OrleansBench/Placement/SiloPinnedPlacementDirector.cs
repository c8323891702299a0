using Orleans.Runtime.Placement;

namespace Mnemo.OrleansBench;

/// <summary>
/// Picks the active, compatible silo whose name is the key's prefix. No fallback: a grain placed
/// elsewhere would silently measure a different hop, so placement fails until that silo is known
/// (the program retries while the cluster settles).
/// </summary>
public sealed class SiloPinnedPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string siloName = GrainKeys.SiloOf(target.GrainIdentity.Key.ToString()!);
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
        {
            if (snapshot.Members.TryGetValue(silo, out ClusterMember? member) && member.Status == SiloStatus.Active && member.Name == siloName)
            {
                return Task.FromResult(silo);
            }
        }
        throw new OrleansException($"no active compatible silo named '{siloName}' (yet)");
    }
}

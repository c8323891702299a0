using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Places grains over the active silos by <see cref="RendezvousHash"/>.</summary>
public sealed class HashPlacementDirector : IPlacementDirector
{
    // Silo hashes of the last active list seen; recomputed only when membership hands out a new list.
    private volatile SiloHashes? _cache;

    public SiloAddress? PlaceGrain(GrainId grain, IMembershipView membership)
    {
        IReadOnlyList<SiloAddress> active = membership.ActiveSilos;
        SiloHashes? cache = _cache;
        if (cache is null || !ReferenceEquals(cache.Silos, active))
        {
            cache = new SiloHashes(active, active.Select(RendezvousHash.SiloHash).ToArray());
            _cache = cache;
        }

        int index = RendezvousHash.Pick(grain.GetStableHash(), cache.Hashes);
        return index < 0 ? null : active[index];
    }

    private sealed record SiloHashes(IReadOnlyList<SiloAddress> Silos, ulong[] Hashes);
}

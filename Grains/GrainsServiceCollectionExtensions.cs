using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.Grains;

/// <summary>What a silo must register for Mnemo's grains beyond the grain classes themselves.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>Node-pinned placement; the host also registers the <see cref="NodePool"/> (and, for the
    /// Memshack grains, the <c>ServedMemshacks</c>) of this silo.</summary>
    public static ISiloBuilder AddMnemoGrains(this ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<NodePinnedPlacement, NodePinnedPlacementDirector>();
        return silo;
    }
}

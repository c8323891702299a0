using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mnemo.Grains;

/// <summary>What a silo must register for Mnemo's grains beyond the grain classes themselves.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>Node-pinned placement; the host also registers the <see cref="NodePool"/> (and, for the
    /// Memshack grains, the <c>ServedMemshacks</c>) of this silo.</summary>
    public static ISiloBuilder AddMnemoGrains(this ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<NodePinnedPlacement, NodePinnedPlacementDirector>();
        silo.Services.AddSingleton<ISnapshotParticipants, GrainSnapshotParticipants>();
        silo.Services.AddSingleton<SnapshotHooks>();
        // Mnemo's own exceptions (the engine's reasons among them) reach callers with their type name and message.
        silo.Services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Mnemo"));
        return silo;
    }
}

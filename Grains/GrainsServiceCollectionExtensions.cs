using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Serialization;

namespace Mnemo.Grains;

/// <summary>What a silo must register for Mnemo's grains beyond the grain classes themselves.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>Node-pinned placement; the host also registers the <see cref="NodePool"/> (and, for the
    /// Memshack grains, the <c>ServedMemshacks</c>) of this silo. Snapshot progress goes on in-memory streams
    /// (<see cref="Interfaces.SnapshotProgress.StreamProvider"/>): it only matters while the cluster runs.</summary>
    public static ISiloBuilder AddMnemoGrains(this ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<NodePinnedPlacement, NodePinnedPlacementDirector>();
        silo.Services.AddSingleton<ISnapshotParticipants, GrainSnapshotParticipants>();
        silo.Services.AddSingleton<SnapshotHooks>();
        silo.AddMemoryStreams(Interfaces.SnapshotProgress.StreamProvider);
        silo.AddMemoryGrainStorage(ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME);
        // Mnemo's own exceptions (the engine's reasons among them) reach callers with their type name and message.
        silo.Services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Mnemo"));
        return silo;
    }
}

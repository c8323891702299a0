using Orleans.Placement;

namespace Mnemo.OrleansBench;

/// <summary>
/// Places a grain on the silo named by its key's prefix ("silo-1/echo" lives on silo-1), so every
/// path measures the hop it claims to: no placement luck decides same-silo versus other-silo.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("orleans-bench.SiloPinnedPlacement")]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static SiloPinnedPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class whose string key starts with the name of the silo it must live on.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

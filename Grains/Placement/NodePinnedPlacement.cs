namespace Mnemo.Grains;

/// <summary>Places a grain keyed by a node name on the silo of that node (silo name = node name).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("mnemo.NodePinnedPlacement")]
public sealed class NodePinnedPlacement : PlacementStrategy
{
    public static NodePinnedPlacement Instance { get; } = new();
}

using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Marks a grain class whose string key is a node name and whose activation must live on that node's silo.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePinnedPlacementAttribute() : PlacementAttribute(NodePinnedPlacement.Instance);

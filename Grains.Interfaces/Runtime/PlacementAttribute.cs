namespace Mnemo.Runtime;

/// <summary>Chooses the silo that hosts a grain's activation. Put on the grain class or on its
/// grain interface; the class wins. Without one, <see cref="HashPlacementAttribute"/> applies.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
public abstract class PlacementAttribute : Attribute;

/// <summary>Spread grains over the active silos by rendezvous hashing of the grain id: when a silo
/// joins or leaves only the grains that must move do.</summary>
public sealed class HashPlacementAttribute : PlacementAttribute;

/// <summary>The grain key is a node name; the activation lives on the silo running on that node
/// (whose NodeName equals the key). Calls fail while no such silo is active.</summary>
public sealed class NodePinnedPlacementAttribute : PlacementAttribute;

/// <summary>A singleton on the cluster leader (the silo the leader selector names).</summary>
public sealed class LeaderPlacementAttribute : PlacementAttribute;

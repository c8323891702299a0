using System.Reflection;
using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;

namespace Mnemo.Silo.Runtime;

/// <summary>A grain class registered under one grain type: what to construct, how it interleaves and
/// where it is placed.</summary>
public sealed class GrainClassDescription
{
    public GrainClassDescription(Type classType, GrainInterfaceDescription grainInterface)
    {
        ClassType = classType;
        Interface = grainInterface;
        GrainType = grainInterface.GrainType;
        IsReentrant = classType.IsDefined(typeof(ReentrantAttribute), inherit: true);
        Placement = classType.GetCustomAttribute<PlacementAttribute>(inherit: false)
            ?? grainInterface.InterfaceType.GetCustomAttribute<PlacementAttribute>(inherit: false)
            ?? new HashPlacementAttribute();
    }

    public Type ClassType { get; }

    public GrainInterfaceDescription Interface { get; }

    public string GrainType { get; }

    public bool IsReentrant { get; }

    public PlacementAttribute Placement { get; }

    /// <summary>Whether a call to <paramref name="method"/> can be delivered to this class.</summary>
    public bool Implements(GrainMethodDescription method) => method.Method.DeclaringType!.IsAssignableFrom(ClassType);

    public override string ToString() => $"{GrainType} → {ClassType.FullName}";
}

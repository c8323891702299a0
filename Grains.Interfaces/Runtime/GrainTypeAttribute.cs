namespace Mnemo.Runtime;

/// <summary>Gives a grain interface a stable type name, the first part of its <see cref="GrainId"/>.
/// Without it the name is derived from the interface name (see <see cref="GrainTypeNames"/>), so
/// renaming the interface would change every id: put this on interfaces whose ids are persisted.</summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

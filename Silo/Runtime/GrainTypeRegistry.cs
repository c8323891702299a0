using System.Collections.Frozen;
using System.Reflection;
using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;

namespace Mnemo.Silo.Runtime;

/// <summary>The grain classes a silo can host, found by scanning assemblies: every concrete class
/// deriving from <see cref="Grain"/> is registered under the grain type of each grain interface it
/// implements. Two classes claiming one grain type is a startup error. Also resolves the
/// interface and method named by a request.</summary>
public sealed class GrainTypeRegistry
{
    private static readonly HashSet<Type> KeyKinds =
        [typeof(IGrain), typeof(IGrainWithStringKey), typeof(IGrainWithIntegerKey), typeof(IGrainWithGuidKey)];

    private readonly FrozenDictionary<string, GrainClassDescription> _classes;
    private readonly FrozenDictionary<string, GrainInterfaceDescription> _interfaces;

    public GrainTypeRegistry(IEnumerable<Assembly> assemblies)
    {
        var classes = new Dictionary<string, GrainClassDescription>(StringComparer.Ordinal);
        var interfaces = new Dictionary<string, GrainInterfaceDescription>(StringComparer.Ordinal);
        foreach (Type classType in assemblies.Distinct().SelectMany(a => a.GetTypes()).Where(IsGrainClass))
        {
            foreach (Type grainInterface in classType.GetInterfaces().Where(IsGrainInterface))
            {
                GrainInterfaceDescription description = GrainInterfaceDescription.For(grainInterface);
                interfaces[grainInterface.FullName!] = description;
                if (classes.TryGetValue(description.GrainType, out GrainClassDescription? existing) && existing.ClassType != classType)
                {
                    throw new InvalidOperationException(
                        $"grain type '{description.GrainType}' ({grainInterface.FullName}) is implemented by both {existing.ClassType.FullName} and {classType.FullName}");
                }

                classes[description.GrainType] = new GrainClassDescription(classType, description);
            }
        }

        _classes = classes.ToFrozenDictionary(StringComparer.Ordinal);
        _interfaces = interfaces.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<GrainClassDescription> Classes => _classes.Values;

    public GrainClassDescription GetClass(string grainType) =>
        _classes.TryGetValue(grainType, out GrainClassDescription? description) ? description : throw new GrainNotFoundException(grainType);

    /// <summary>The method a request names by interface full name and method name.</summary>
    public GrainMethodDescription GetMethod(string interfaceName, string method) =>
        _interfaces.TryGetValue(interfaceName, out GrainInterfaceDescription? description) && description.TryGetDeclaredMethod(method, out GrainMethodDescription found)
            ? found
            : throw new GrainMethodNotFoundException(interfaceName, method);

    private static bool IsGrainClass(Type type) =>
        type.IsClass && !type.IsAbstract && !type.IsGenericTypeDefinition && typeof(Grain).IsAssignableFrom(type);

    private static bool IsGrainInterface(Type type) =>
        typeof(IGrain).IsAssignableFrom(type) && !KeyKinds.Contains(type);
}

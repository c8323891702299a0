using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;

namespace Mnemo.Runtime.Invocation;

/// <summary>A grain interface as the runtime sees it: its grain type name, key kind and methods
/// (its own and those of the grain interfaces it extends). Built and validated once per interface,
/// so an unsupported method fails when the first proxy or the registry is created, not mid-call.</summary>
public sealed class GrainInterfaceDescription
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescription> Cache = new();

    private readonly FrozenDictionary<MethodInfo, GrainMethodDescription> _byMethod;
    private readonly FrozenDictionary<string, GrainMethodDescription> _declaredByName;

    private GrainInterfaceDescription(Type interfaceType)
    {
        if (!interfaceType.IsInterface || !typeof(IGrain).IsAssignableFrom(interfaceType))
        {
            throw new ArgumentException($"{interfaceType.FullName} is not a grain interface (an interface extending IGrain)");
        }

        InterfaceType = interfaceType;
        GrainType = GrainTypeNames.Of(interfaceType);

        Type[] declaringInterfaces = [interfaceType, .. interfaceType.GetInterfaces().Where(i => typeof(IGrain).IsAssignableFrom(i))];
        var methods = new Dictionary<MethodInfo, GrainMethodDescription>();
        foreach (Type declaring in declaringInterfaces)
        {
            MethodInfo[] declared = declaring.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            foreach (IGrouping<string, MethodInfo> sameName in declared.GroupBy(m => m.Name).Where(g => g.Count() > 1))
            {
                throw new NotSupportedException($"grain interface {declaring.FullName} overloads '{sameName.Key}': grain methods are called by name, give each a distinct name");
            }

            foreach (MethodInfo method in declared)
            {
                if (method.IsSpecialName)
                {
                    throw new NotSupportedException($"grain interface {declaring.FullName} declares property or event accessor {method.Name}: grain interfaces have methods only");
                }

                if (method.IsGenericMethodDefinition)
                {
                    throw new NotSupportedException($"grain method {declaring.FullName}.{method.Name} is generic, which is not supported");
                }

                methods[method] = new GrainMethodDescription(method);
            }
        }

        _byMethod = methods.ToFrozenDictionary();
        _declaredByName = methods.Values.Where(m => m.Method.DeclaringType == interfaceType).ToFrozenDictionary(m => m.Name);
    }

    public Type InterfaceType { get; }

    public string GrainType { get; }

    public IEnumerable<GrainMethodDescription> Methods => _byMethod.Values;

    public static GrainInterfaceDescription For(Type interfaceType) => Cache.GetOrAdd(interfaceType, t => new GrainInterfaceDescription(t));

    public GrainMethodDescription GetMethod(MethodInfo method) =>
        _byMethod.TryGetValue(method, out GrainMethodDescription? description)
            ? description
            : throw new GrainMethodNotFoundException(InterfaceType.FullName!, method.Name);

    /// <summary>A method declared by this interface itself, as a request names it (interface_name + method).</summary>
    public bool TryGetDeclaredMethod(string name, out GrainMethodDescription method) =>
        _declaredByName.TryGetValue(name, out method!);
}

using System.Collections.Concurrent;
using System.Reflection;

namespace Mnemo.Runtime;

/// <summary>Maps a grain interface to its grain type name: the <see cref="GrainTypeAttribute"/> if
/// present, otherwise the interface name without the leading 'I' and the trailing "Grain", in lower
/// case (<c>INodeMemoryGrain</c> → <c>nodememory</c>). Clients and silos use the same rule.</summary>
public static class GrainTypeNames
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    public static string Of(Type grainInterface) => Cache.GetOrAdd(grainInterface, Derive);

    private static string Derive(Type grainInterface)
    {
        if (!grainInterface.IsInterface || !typeof(IGrain).IsAssignableFrom(grainInterface))
        {
            throw new ArgumentException($"{grainInterface.FullName} is not a grain interface (an interface extending IGrain)");
        }

        string? declared = grainInterface.GetCustomAttribute<GrainTypeAttribute>()?.Name;
        if (declared is not null)
        {
            if (declared.Length == 0 || declared.Contains('/'))
            {
                throw new ArgumentException($"[GrainType(\"{declared}\")] on {grainInterface.FullName}: the name must be non-empty and contain no '/'");
            }

            return declared;
        }

        string name = grainInterface.Name;
        int generic = name.IndexOf('`');
        if (generic >= 0)
        {
            throw new ArgumentException($"{grainInterface.FullName}: generic grain interfaces are not supported");
        }

        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }

        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}

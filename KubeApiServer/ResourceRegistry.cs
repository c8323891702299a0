using System.Globalization;
using System.Text.RegularExpressions;

namespace Mnemo.KubeApiServer;

/// <summary>A served API group and its versions, the preferred one first.</summary>
internal sealed record ApiGroup(string Name, IReadOnlyList<string> Versions);

/// <summary>
/// Every served resource type, built-in or from a CustomResourceDefinition, looked up by URL
/// (group, version, plural) and listed for discovery. Types are registered per owner (the
/// built-ins, or one CRD by name) so that changing or deleting a CRD replaces exactly its types.
/// Readers get an immutable view, swapped on every change.
/// </summary>
internal sealed partial class ResourceRegistry
{
    public const string BuiltinOwner = "";

    private readonly Lock gate = new();
    private readonly Dictionary<string, IReadOnlyList<ResourceType>> owners = new(StringComparer.Ordinal);
    private volatile View view = View.Empty;

    public ResourceRegistry(IReadOnlyList<ResourceType> builtins) => Set(BuiltinOwner, builtins);

    public ResourceType? Find(string group, string version, string plural) =>
        view.ByPath.GetValueOrDefault((group, version, plural));

    /// <summary>The type of objects with this apiVersion and kind, for objects read from files.</summary>
    public ResourceType? FindKind(string apiVersion, string kind)
    {
        int slash = apiVersion.IndexOf('/');
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return view.ByGroupVersion.GetValueOrDefault((group, version))?.FirstOrDefault(type => type.Kind == kind);
    }

    /// <summary>The preferred version's type of a storage key, for work that spans versions (cascading deletes).</summary>
    public ResourceType? FindByGroupResource(string groupResource) => view.ByGroupResource.GetValueOrDefault(groupResource);

    /// <summary>The types served in a group version, or null when it is not served.</summary>
    public IReadOnlyList<ResourceType>? InGroupVersion(string group, string version) =>
        view.ByGroupVersion.GetValueOrDefault((group, version));

    /// <summary>The named API groups (not the core group), for <c>/apis</c>.</summary>
    public IReadOnlyList<ApiGroup> Groups => view.Groups;

    /// <summary>Who serves a group and plural, whatever the version: null when nobody does.</summary>
    public string? OwnerOf(string group, string plural) => view.Owners.GetValueOrDefault((group, plural));

    public void Set(string owner, IReadOnlyList<ResourceType> types)
    {
        lock (gate)
        {
            owners[owner] = types;
            view = View.Build(owners);
        }
    }

    public void Remove(string owner)
    {
        lock (gate)
        {
            if (owners.Remove(owner))
            {
                view = View.Build(owners);
            }
        }
    }

    /// <summary>Kubernetes' version order (CompareKubeAwareVersionStrings): v2 &gt; v1 &gt; v1beta2 &gt; v1beta1 &gt; v1alpha1 &gt; others by name.</summary>
    public static int CompareVersions(string x, string y)
    {
        static (int Stability, int Major, int Minor) Rank(string version)
        {
            Match match = KubeVersion().Match(version);
            if (!match.Success)
            {
                return (-1, 0, 0);
            }
            int stability = match.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
            int minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
            return (stability, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), minor);
        }
        var (a, b) = (Rank(x), Rank(y));
        if (a.Stability < 0 && b.Stability < 0)
        {
            return string.CompareOrdinal(x, y);
        }
        // Higher ranks sort first.
        return a.Stability != b.Stability ? b.Stability.CompareTo(a.Stability)
            : a.Major != b.Major ? b.Major.CompareTo(a.Major)
            : b.Minor.CompareTo(a.Minor);
    }

    [GeneratedRegex(@"^v(\d+)(?:(alpha|beta)(\d+))?$")]
    private static partial Regex KubeVersion();

    private sealed record View(
        Dictionary<(string, string, string), ResourceType> ByPath,
        Dictionary<string, ResourceType> ByGroupResource,
        Dictionary<(string, string), IReadOnlyList<ResourceType>> ByGroupVersion,
        Dictionary<(string, string), string> Owners,
        IReadOnlyList<ApiGroup> Groups)
    {
        public static View Empty { get; } = new([], [], [], [], []);

        public static View Build(Dictionary<string, IReadOnlyList<ResourceType>> owners)
        {
            var byPath = new Dictionary<(string, string, string), ResourceType>();
            var byGroupVersion = new Dictionary<(string, string), List<ResourceType>>();
            var ownerOf = new Dictionary<(string, string), string>();
            // Built-in groups first in their own order, then custom groups by name, as discovery lists them.
            var groupOrder = new List<string>();
            IEnumerable<KeyValuePair<string, IReadOnlyList<ResourceType>>> ordered = owners
                .OrderBy(pair => pair.Key == BuiltinOwner ? 0 : 1)
                .ThenBy(pair => pair.Key, StringComparer.Ordinal);
            foreach (var (owner, types) in ordered)
            {
                foreach (ResourceType type in types)
                {
                    byPath[(type.Group, type.Version, type.Plural)] = type;
                    ownerOf[(type.Group, type.Plural)] = owner;
                    if (!byGroupVersion.TryGetValue((type.Group, type.Version), out var list))
                    {
                        list = [];
                        byGroupVersion[(type.Group, type.Version)] = list;
                    }
                    list.Add(type);
                    if (!groupOrder.Contains(type.Group))
                    {
                        groupOrder.Add(type.Group);
                    }
                }
            }
            var groups = groupOrder
                .Where(group => group.Length > 0)
                .Select(group => new ApiGroup(group, byGroupVersion.Keys
                    .Where(key => key.Item1 == group)
                    .Select(key => key.Item2)
                    .Order(Comparer<string>.Create(CompareVersions))
                    .ToList()))
                .ToList();
            var byGroupResource = new Dictionary<string, ResourceType>(StringComparer.Ordinal);
            foreach (ResourceType type in byPath.Values.OrderBy(t => t.Version, Comparer<string>.Create(CompareVersions)))
            {
                byGroupResource.TryAdd(type.GroupResource, type);
            }
            return new View(
                byPath,
                byGroupResource,
                byGroupVersion.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<ResourceType>)pair.Value),
                ownerOf,
                groups);
        }
    }
}

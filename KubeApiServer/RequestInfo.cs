namespace Mnemo.KubeApiServer;

/// <summary>
/// A resource URL taken apart as Kubernetes' RequestInfoFactory does:
/// <c>/api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]</c> and the same under
/// <c>/apis/{group}/{version}</c>; <c>/api/v1/namespaces/{name}/status</c> is the namespace's own status.
/// </summary>
internal sealed record RequestInfo(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>The namespace objects live in: "" for cluster-scoped kinds.</summary>
    public string StorageNamespace => Type.Namespaced ? Namespace ?? "" : "";

    /// <summary>Parses the segments after the group version; null when no served resource matches.</summary>
    public static RequestInfo? Parse(ResourceRegistry registry, string group, string version, ReadOnlySpan<string> rest)
    {
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length is 0 or > 3 || registry.Find(group, version, rest[0]) is not { } type)
        {
            return null;
        }
        string? name = rest.Length > 1 ? rest[1] : null;
        string? subresource = rest.Length > 2 ? rest[2] : null;
        bool valid = (ns is null || type.Namespaced)
            && !(type.Namespaced && ns is null && name is not null)
            && (subresource is null || (subresource == "status" && type.HasStatus));
        return valid ? new RequestInfo(type, ns, name, subresource) : null;
    }
}

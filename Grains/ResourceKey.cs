namespace Mnemo.Grains;

/// <summary>Grain keys of namespaced resources: <c>namespace/name</c>.</summary>
public static class ResourceKey
{
    public static string Of(string @namespace, string name) => $"{@namespace}/{name}";

    public static (string Namespace, string Name) Split(string key)
    {
        int slash = key.IndexOf('/');
        return slash > 0 ? (key[..slash], key[(slash + 1)..]) : throw new ArgumentException($"'{key}' is not namespace/name");
    }
}

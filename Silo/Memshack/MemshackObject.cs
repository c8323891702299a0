namespace Mnemo.Silo;

/// <summary>A Memshack resource as the Kubernetes API holds it: its identity and its JSON, which the
/// manifest parser reads (and refuses with field paths when it is not a servable Memshack).</summary>
public sealed record MemshackObject(string Namespace, string Name, string ResourceVersion, string Json)
{
    /// <summary><c>namespace/name</c>.</summary>
    public string Key => $"{Namespace}/{Name}";
}

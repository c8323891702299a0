namespace Mnemo.Grains;

/// <summary>A parsed <c>Memshack</c> manifest: identity plus spec.</summary>
public sealed record MemshackResource(string Name, string Namespace, MemshackSpec Spec)
{
    public const string ApiVersion = "mnemo.dev/v1alpha1";
    public const string Kind = "Memshack";
}

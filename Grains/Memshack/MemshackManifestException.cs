namespace Mnemo.Grains;

/// <summary>A Memshack manifest that cannot be read or is invalid; <see cref="Reasons"/> lists every problem found.</summary>
public sealed class MemshackManifestException : Exception
{
    public MemshackManifestException(IReadOnlyList<string> reasons)
        : base("Invalid Memshack manifest: " + string.Join("; ", reasons))
    {
        Reasons = reasons;
    }

    public IReadOnlyList<string> Reasons { get; }
}

namespace Mnemo.Kubernetes.Certificates;

/// <summary>How long generated certificates live and when a node's is renewed.</summary>
public sealed record CertificateLifetimes
{
    /// <summary>The generated CA's validity: one year, as PMEM-CSI's operator generates it.</summary>
    public TimeSpan Authority { get; init; } = TimeSpan.FromDays(365);

    public TimeSpan Node { get; init; } = TimeSpan.FromDays(90);

    /// <summary>A node certificate that expires within this time is replaced by a new one.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <exception cref="ArgumentException">A lifetime is not positive, or renewal would start before a certificate is issued.</exception>
    public void Validate()
    {
        if (Authority <= TimeSpan.Zero || Node <= TimeSpan.Zero || RenewBefore <= TimeSpan.Zero)
            throw new ArgumentException("certificate lifetimes and the renewal threshold must be positive");
        if (RenewBefore >= Node)
            throw new ArgumentException($"the renewal threshold ({RenewBefore}) must be shorter than a node certificate's lifetime ({Node})");
    }
}

namespace Mnemo.Kubernetes.Certificates;

/// <summary>How long generated certificates live, when a node's is renewed and when the CA is rotated.</summary>
public sealed record CertificateLifetimes
{
    /// <summary>The generated CA's validity: one year, as PMEM-CSI's operator generates it.</summary>
    public TimeSpan Authority { get; init; } = TimeSpan.FromDays(365);

    public TimeSpan Node { get; init; } = TimeSpan.FromDays(90);

    /// <summary>A node certificate that expires within this time is replaced by a new one.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <summary>A CA that expires within this time is rotated: a new CA is created and the nodes move to it.</summary>
    public TimeSpan AuthorityRenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a CA rotation waits for nodes that do not follow (a node gone for good keeps its Secret):
    /// the new CA signs once every node trusts it or this long after it was created, and the old CA
    /// leaves the trust bundle once every node's certificate is from the new one or twice this long after.
    /// </summary>
    public TimeSpan AuthorityOverlap { get; init; } = TimeSpan.FromDays(1);

    /// <exception cref="ArgumentException">A lifetime is not positive, renewal would start before a certificate is issued, or a rotation could outlast the CA.</exception>
    public void Validate()
    {
        if (Authority <= TimeSpan.Zero || Node <= TimeSpan.Zero || RenewBefore <= TimeSpan.Zero || AuthorityRenewBefore <= TimeSpan.Zero
            || AuthorityOverlap <= TimeSpan.Zero)
            throw new ArgumentException("certificate lifetimes, renewal thresholds and the CA overlap must be positive");
        if (RenewBefore >= Node)
            throw new ArgumentException($"the renewal threshold ({RenewBefore}) must be shorter than a node certificate's lifetime ({Node})");
        if (AuthorityRenewBefore >= Authority)
            throw new ArgumentException($"the CA's renewal threshold ({AuthorityRenewBefore}) must be shorter than its lifetime ({Authority})");
        if (2 * AuthorityOverlap >= AuthorityRenewBefore)
            throw new ArgumentException($"twice the CA overlap ({AuthorityOverlap}) must be shorter than the CA's renewal threshold ({AuthorityRenewBefore})");
    }
}

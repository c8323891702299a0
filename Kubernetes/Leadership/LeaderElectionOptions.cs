namespace Mnemo.Kubernetes.Leadership;

/// <summary>How the silos elect the one that runs the reconciler: a <c>coordination.k8s.io/v1</c> Lease
/// in the silos' namespace. A holder that stops renewing loses the lease after <see cref="LeaseDuration"/>.</summary>
public sealed record LeaderElectionOptions
{
    public const string DefaultLeaseName = "mnemo-reconciler";

    /// <summary>Name of the Lease object.</summary>
    public string LeaseName { get; set; } = DefaultLeaseName;

    /// <summary>How long a lease that is not renewed keeps other candidates out.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the holder keeps trying to renew before it gives up leading.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between two attempts to take or renew the lease.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether a holder that stops cleanly hands the lease back (empty holder, 1 s duration), so another
    /// candidate takes it at its next attempt instead of after <see cref="LeaseDuration"/>.</summary>
    public bool ReleaseOnStop { get; set; } = true;

    /// <summary>Throws naming the setting at fault: each is positive and the renew deadline fits inside the lease.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LeaseName))
            throw new ArgumentException("The lease name is empty.", nameof(LeaseName));
        if (RetryPeriod <= TimeSpan.Zero)
            throw new ArgumentException($"RetryPeriod must be positive, got {RetryPeriod}.", nameof(RetryPeriod));
        if (RenewDeadline <= RetryPeriod)
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must exceed RetryPeriod ({RetryPeriod}).", nameof(RenewDeadline));
        if (LeaseDuration <= RenewDeadline)
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must exceed RenewDeadline ({RenewDeadline}).", nameof(LeaseDuration));
    }
}

using Mnemo.Kubernetes.Certificates;

namespace Mnemo.Silo;

/// <summary>Where a silo's certificates come from.</summary>
public enum SiloTlsMode
{
    /// <summary>The cluster's generated CA and this node's certificate, created in Secrets when missing (the default).</summary>
    Generated,

    /// <summary>A provided <c>kubernetes.io/tls</c> Secret (<see cref="SiloTlsOptions.SecretName"/>), used as it is.</summary>
    Provided,

    /// <summary>No TLS: the data plane is plain TCP.</summary>
    Off,
}

/// <summary>Mutual TLS between silos on the replica data plane.</summary>
public sealed record SiloTlsOptions
{
    public SiloTlsMode Mode { get; init; } = SiloTlsMode.Generated;

    /// <summary>The provided Secret's name (mode <see cref="SiloTlsMode.Provided"/>).</summary>
    public string? SecretName { get; init; }

    public CertificateLifetimes Lifetimes { get; init; } = new();

    /// <summary>How often the node's certificate is checked for renewal (or a provided Secret read again): a tenth of the renewal threshold, from 1 s to 1 h.</summary>
    public TimeSpan CheckInterval => TimeSpan.FromTicks(Math.Clamp(Lifetimes.RenewBefore.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour));
}

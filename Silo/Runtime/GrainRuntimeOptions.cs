namespace Mnemo.Silo.Runtime;

/// <summary>Settings of a silo's grain runtime. Bound from the configuration section
/// <c>Mnemo:Runtime</c> (environment variables <c>Mnemo__Runtime__IdleDeactivationAge=00:05:00</c> …)
/// and then from the delegate passed to <c>AddGrainRuntime</c>.</summary>
public sealed class GrainRuntimeOptions
{
    public const string ConfigurationSection = "Mnemo:Runtime";

    /// <summary>Deadline of calls that set none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many WRONG_SILO answers a call follows before failing.</summary>
    public int MaxForwardHops { get; set; } = 2;

    /// <summary>How often calls inside the silo are checked against their deadlines: the precision of
    /// a local call's timeout.</summary>
    public TimeSpan DeadlineCheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>An activation with no request for this long is deactivated.</summary>
    public TimeSpan IdleDeactivationAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan IdleCollectionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time allowed for a grain's OnActivateAsync and for its OnDeactivateAsync.</summary>
    public TimeSpan LifecycleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

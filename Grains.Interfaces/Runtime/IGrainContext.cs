namespace Mnemo.Runtime;

/// <summary>What the hosting runtime gives an activation: its identity, a factory for calling other
/// grains, and a way to ask for deactivation.</summary>
public interface IGrainContext
{
    GrainId GrainId { get; }

    IGrainFactory GrainFactory { get; }

    /// <summary>Deactivate once the current request completes.</summary>
    void DeactivateOnIdle();
}

using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Invocation;

/// <summary>A silo was asked to run a grain it does not own; <see cref="Owner"/> is the owner in the
/// receiving silo's view. Answered as WRONG_SILO with forward_to, so the sender can redirect.</summary>
public sealed class WrongSiloException(GrainId grain, SiloAddress? owner)
    : GrainCallException(owner is null ? $"no active silo can host {grain}" : $"{grain} belongs to {owner}")
{
    public GrainId Grain { get; } = grain;

    public SiloAddress? Owner { get; } = owner;
}

namespace Mnemo.Silo.Membership;

/// <summary>How many grain activations this silo hosts; reported to peers with every probe answer.</summary>
public interface ILocalActivationCounter
{
    int ActivationCount { get; }
}

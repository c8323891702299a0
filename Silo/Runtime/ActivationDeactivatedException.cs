namespace Mnemo.Silo.Runtime;

/// <summary>A queued request was not run because its activation deactivated first. The call never
/// started, so the invoker routes it again (to a fresh activation, here or on the new owner).</summary>
internal sealed class ActivationDeactivatedException(Mnemo.Runtime.GrainId grain)
    : Exception($"activation of {grain} deactivated before the request ran");

namespace Mnemo.Runtime.Messaging;

/// <summary>The target silo could not be reached or died while the call was in flight.</summary>
public sealed class SiloUnavailableException(SiloAddress silo, string message, Exception? inner = null)
    : Exception($"silo {silo} is unavailable: {message}", inner)
{
    public SiloAddress Silo { get; } = silo;
}

namespace Mnemo.Runtime;

/// <summary>A grain call failed inside the runtime (not in the grain's own code): unknown type or
/// method, malformed request, too many forwards, message too large.</summary>
public class GrainCallException : Exception
{
    public GrainCallException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>No grain class is registered for the grain type of the call.</summary>
public sealed class GrainNotFoundException(string grainType)
    : GrainCallException($"no grain class is registered for grain type '{grainType}'")
{
    public string GrainType { get; } = grainType;
}

/// <summary>The grain interface or the method named in the call is not known to the callee.</summary>
public sealed class GrainMethodNotFoundException(string interfaceName, string method)
    : GrainCallException($"grain interface '{interfaceName}' has no method '{method}'")
{
    public string InterfaceName { get; } = interfaceName;

    public string Method { get; } = method;
}

/// <summary>The grain method threw. Carries the thrown exception's type name and message, and, when
/// the call did not cross a process boundary, the exception itself as <see cref="Exception.InnerException"/>.
/// Callers see the same type whether the grain ran locally or on another silo.</summary>
public sealed class GrainMethodException(string exceptionType, string exceptionMessage, Exception? localException = null)
    : GrainCallException($"grain method threw {exceptionType}: {exceptionMessage}", localException)
{
    public string ExceptionType { get; } = exceptionType;

    public string ExceptionMessage { get; } = exceptionMessage;
}

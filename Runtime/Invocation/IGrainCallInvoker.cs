namespace Mnemo.Runtime.Invocation;

/// <summary>Where proxies send calls. In a silo it routes to a local activation or to the owning silo;
/// in a client it sends every call to a gateway silo.</summary>
public interface IGrainCallInvoker
{
    /// <param name="target">The grain called.</param>
    /// <param name="method">The method called.</param>
    /// <param name="arguments">The arguments, owned by the runtime from now on. A CancellationToken
    /// parameter, if the method has one, cancels the call.</param>
    /// <param name="deadline">Time allowed for the call; null for the configured default.</param>
    /// <returns>The method's result (null for Task/ValueTask). Faults with
    /// <see cref="GrainMethodException"/> when the grain threw, <see cref="TimeoutException"/> when the
    /// deadline passed, <see cref="OperationCanceledException"/> when the caller cancelled,
    /// <see cref="Messaging.SiloUnavailableException"/> when the hosting silo could not be reached,
    /// and other <see cref="GrainCallException"/>s for runtime errors.</returns>
    Task<object?> InvokeAsync(GrainId target, GrainMethodDescription method, object?[] arguments, TimeSpan? deadline);
}

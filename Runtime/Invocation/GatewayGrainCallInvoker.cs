using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Invocation;

/// <summary>The invoker of a client process: every call goes to a gateway silo, which routes it to
/// the grain's owner. The client chooses the gateway per call (<paramref name="selectGateway"/>), so
/// it can spread load or move away from a gateway that became unavailable.</summary>
public sealed class GatewayGrainCallInvoker(RemoteGrainCaller caller, Func<GrainId, SiloAddress> selectGateway) : IGrainCallInvoker
{
    public Task<object?> InvokeAsync(GrainId target, GrainMethodDescription method, object?[] arguments, TimeSpan? deadline) =>
        caller.CallAsync(
            selectGateway(target), targeted: false, target, method, arguments, RuntimeContext.CallChain,
            deadline ?? caller.Options.DefaultDeadline);
}

using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.Runtime.Placement;

namespace Mnemo.Silo.Runtime;

/// <summary>The invoker of a silo. A call for a grain this silo owns goes straight into the local
/// activation's mailbox with the caller's objects (no serialization); any other call is sent to the
/// owner by <see cref="RemoteGrainCaller"/>. Grains calling grains go through here too.</summary>
public sealed class SiloGrainCallInvoker(Catalog catalog, GrainLocator locator, RemoteGrainCaller remote) : IGrainCallInvoker
{
    // A request rerouted this often without running points at a bug, not at churn.
    private const int MaxReroutes = 8;

    public Task<object?> InvokeAsync(GrainId target, GrainMethodDescription method, object?[] arguments, TimeSpan? deadline)
    {
        TimeSpan timeout = deadline ?? remote.Options.DefaultDeadline;
        CancellationToken token = method.CancellationTokenIndex >= 0 ? (CancellationToken)arguments[method.CancellationTokenIndex]! : default;
        return RouteAsync(target, method, arguments, RuntimeContext.CallChain, Environment.TickCount64 + (long)timeout.TotalMilliseconds, token, forwardIfRemote: true);
    }

    /// <summary>Runs the call here if this silo owns the grain. Otherwise sends it to the owner when
    /// <paramref name="forwardIfRemote"/> is set, or throws <see cref="WrongSiloException"/> (the
    /// request came from a silo that believed this one to be the owner and should redirect).</summary>
    internal async Task<object?> RouteAsync(
        GrainId target, GrainMethodDescription method, object?[] arguments, CallChain? chain,
        long deadlineTick, CancellationToken cancellationToken, bool forwardIfRemote)
    {
        for (int attempt = 0; attempt < MaxReroutes; attempt++)
        {
            SiloAddress owner = locator.Locate(target) ?? throw new WrongSiloException(target, null);
            if (owner != locator.Self)
            {
                if (!forwardIfRemote)
                {
                    throw new WrongSiloException(target, owner);
                }

                return await remote.CallAsync(owner, targeted: true, target, method, arguments, chain, Remaining(deadlineTick)).ConfigureAwait(false);
            }

            ActivationData activation = catalog.GetOrCreateActivation(target);
            if (!activation.Class.Implements(method))
            {
                // A caller built against an interface this grain type does not implement.
                throw new GrainMethodNotFoundException(method.InterfaceName, method.Name);
            }

            var call = new PendingCall(method, arguments, chain, deadlineTick, cancellationToken);
            call.Track(catalog.CallTimeouts);
            try
            {
                if (activation.TryEnqueue(call))
                {
                    return await call.Task.ConfigureAwait(false);
                }

                // The activation is going away: wait until it is gone, then route again.
                call.Fail(new ActivationDeactivatedException(target));
                await activation.Deactivated.WaitAsync(Remaining(deadlineTick), cancellationToken).ConfigureAwait(false);
            }
            catch (ActivationDeactivatedException)
            {
                // Never ran: safe to route again.
            }
        }

        throw new GrainCallException($"call to {target} {method} was rerouted {MaxReroutes} times without running");
    }

    private static TimeSpan Remaining(long deadlineTick) =>
        TimeSpan.FromMilliseconds(Math.Max(0, deadlineTick - Environment.TickCount64));
}

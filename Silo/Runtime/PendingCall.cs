using Mnemo.Runtime.Invocation;

namespace Mnemo.Silo.Runtime;

/// <summary>One request in an activation's mailbox; completes with the method's result, or fails
/// when its deadline passes (<see cref="CallTimeouts"/>) or its caller cancels, whichever comes first.
/// Continuations run asynchronously so a caller never continues inside the activation's turn.</summary>
internal sealed class PendingCall(
    GrainMethodDescription method, object?[] arguments, CallChain? chain, long deadlineTick, CancellationToken callerToken)
    : TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private CallTimeouts? _timeouts;
    private CancellationTokenRegistration _cancellation;

    public GrainMethodDescription Method { get; } = method;

    public object?[] Arguments { get; } = arguments;

    public CallChain? Chain { get; } = chain;

    /// <summary>Environment.TickCount64 after which the result is no longer wanted.</summary>
    public long DeadlineTick { get; } = deadlineTick;

    public CancellationToken CallerToken { get; } = callerToken;

    public TimeSpan Remaining => TimeSpan.FromMilliseconds(Math.Max(0, DeadlineTick - Environment.TickCount64));

    public bool IsAbandoned => Task.IsCompleted || CallerToken.IsCancellationRequested || Environment.TickCount64 >= DeadlineTick;

    /// <summary>Starts watching the deadline and the caller's token.</summary>
    public void Track(CallTimeouts timeouts)
    {
        _timeouts = timeouts;
        timeouts.Add(this);
        if (CallerToken.CanBeCanceled)
        {
            _cancellation = CallerToken.UnsafeRegister(
                static state => ((PendingCall)state!).Fail(new OperationCanceledException(((PendingCall)state).CallerToken)), this);
        }
    }

    public void Complete(object? result)
    {
        if (TrySetResult(result))
        {
            Untrack();
        }
    }

    public void Fail(Exception error)
    {
        if (TrySetException(error))
        {
            Untrack();
        }
    }

    private void Untrack()
    {
        _timeouts?.Remove(this);
        _cancellation.Unregister();
    }
}

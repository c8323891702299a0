using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;

namespace Mnemo.Silo.Runtime;

/// <summary>One activation of a grain in this silo: the grain object, its mailbox and its lifecycle.
/// Requests run one at a time (turn-based) unless Orleans's interleaving rules admit one next to the
/// running ones (<see cref="MayInterleave"/>). Grain code runs on the activation's own serial
/// scheduler, so interleaved requests alternate at awaits and never run in parallel.</summary>
internal sealed class ActivationData : IGrainContext
{
    private static readonly Func<object?, Task<object?>> RunTurn = state => ((Turn)state!).Run();

    private readonly Catalog _catalog;
    private readonly GrainClassDescription _class;
    private readonly ActivationTaskScheduler _scheduler = new();
    private readonly Lock _lock = new();
    private readonly List<PendingCall> _running = new(1);
    private readonly Queue<PendingCall> _waiting = new();
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CallChain _ownChain;
    private State _state = State.Activating;
    private bool _deactivateWhenIdle;
    private Grain? _grain;
    private long _lastActivityTick = Environment.TickCount64;

    public ActivationData(GrainId grainId, GrainClassDescription grainClass, Catalog catalog)
    {
        GrainId = grainId;
        _class = grainClass;
        _catalog = catalog;
        _ownChain = CallChain.Empty.Append(grainId);
    }

    private enum State
    {
        Activating,
        Active,
        Deactivating,
        Deactivated,
    }

    public GrainId GrainId { get; }

    public GrainClassDescription Class => _class;

    public IGrainFactory GrainFactory => _catalog.GrainFactory;

    /// <summary>Completes once the activation is gone (deactivated, or its activation failed).</summary>
    public Task Deactivated => _deactivated.Task;

    public void DeactivateOnIdle()
    {
        bool now;
        lock (_lock)
        {
            _deactivateWhenIdle = true;
            now = _state == State.Active && _running.Count == 0;
        }

        if (now)
        {
            _ = DeactivateAsync();
        }
    }

    /// <summary>Creates the grain object (constructor injection) and runs OnActivateAsync as the first
    /// turn. Requests that arrive meanwhile wait in the mailbox.</summary>
    public void StartActivation(IServiceProvider services, TimeSpan timeout) => _ = ActivateAsync(services, timeout);

    /// <summary>Admits, queues or refuses a request. False means the activation is going away and the
    /// request was not taken: wait for <see cref="Deactivated"/> and route it again.</summary>
    public bool TryEnqueue(PendingCall call)
    {
        lock (_lock)
        {
            switch (_state)
            {
                case State.Deactivated:
                    return false;
                case State.Deactivating:
                    // Only what belongs to the requests still running (e.g. a call back along their chain).
                    if (_running.Count == 0 || !MayInterleave(call))
                    {
                        return false;
                    }

                    break;
                case State.Activating:
                    _waiting.Enqueue(call);
                    return true;
                default:
                    // Idle: run now unless others wait first. Busy: run now only if it may interleave
                    // (such calls pass the queue: a call back along a chain must not wait behind others).
                    bool runNow = _running.Count == 0 ? _waiting.Count == 0 : MayInterleave(call);
                    if (!runNow)
                    {
                        _waiting.Enqueue(call);
                        return true;
                    }

                    break;
            }

            _running.Add(call);
        }

        Start(call);
        return true;
    }

    public bool IsIdleFor(TimeSpan age)
    {
        lock (_lock)
        {
            return _state == State.Active && _running.Count == 0 && _waiting.Count == 0
                && Environment.TickCount64 - _lastActivityTick >= (long)age.TotalMilliseconds;
        }
    }

    /// <summary>Stops admitting requests, lets the running ones finish, runs OnDeactivateAsync, then
    /// hands queued requests back for routing.</summary>
    public Task DeactivateAsync()
    {
        bool finishNow;
        lock (_lock)
        {
            switch (_state)
            {
                case State.Activating:
                    _deactivateWhenIdle = true;
                    return _deactivated.Task;
                case State.Active:
                    _state = State.Deactivating;
                    finishNow = _running.Count == 0;
                    break;
                default:
                    return _deactivated.Task;
            }
        }

        if (finishNow)
        {
            _ = FinishDeactivationAsync();
        }

        return _deactivated.Task;
    }

    public override string ToString() => $"activation {GrainId} ({_class.ClassType.Name})";

    // Orleans's interleaving rules, for a request arriving while others run.
    private bool MayInterleave(PendingCall call) =>
        _class.IsReentrant
        || call.Method.IsAlwaysInterleave
        || (call.Chain?.Contains(GrainId) ?? false)
        || (call.Method.IsReadOnly && _running.TrueForAll(r => r.Method.IsReadOnly));

    private async Task ActivateAsync(IServiceProvider services, TimeSpan timeout)
    {
        try
        {
            await RunOnScheduler(async () =>
            {
                var grain = (Grain)ActivatorUtilities.CreateInstance(services, _class.ClassType);
                grain.Attach(this);
                _grain = grain;
                using var timeoutSource = new CancellationTokenSource(timeout);
                await grain.OnActivateAsync(timeoutSource.Token);
            }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _catalog.Logger.LogWarning(e, "Activation of {Grain} failed", GrainId);
            Close(() => new GrainCallException($"activation of {GrainId} failed: {e.GetType().Name}: {e.Message}", e));
            return;
        }

        bool deactivate;
        List<PendingCall>? toStart = null;
        List<PendingCall>? abandoned = null;
        lock (_lock)
        {
            _state = State.Active;
            _lastActivityTick = Environment.TickCount64;
            deactivate = _deactivateWhenIdle;
            if (!deactivate)
            {
                TakeRunnable(ref toStart, ref abandoned);
            }
        }

        StartAll(toStart, abandoned);
        if (deactivate)
        {
            await DeactivateAsync().ConfigureAwait(false);
        }
    }

    private void Start(PendingCall call)
    {
        Task<object?> run = StartOnScheduler(RunTurn, new Turn(this, call)).Unwrap();
        _ = CompleteAsync(call, run);
    }

    private async Task CompleteAsync(PendingCall call, Task<object?> run)
    {
        object? result = null;
        Exception? error = null;
        try
        {
            result = await run.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }

        OnCallFinished(call);
        if (error is null)
        {
            call.Complete(result);
        }
        else
        {
            call.Fail(ToCallerException(error, call));
        }
    }

    private void OnCallFinished(PendingCall call)
    {
        bool finishDeactivation = false;
        List<PendingCall>? toStart = null;
        List<PendingCall>? abandoned = null;
        lock (_lock)
        {
            _running.Remove(call);
            _lastActivityTick = Environment.TickCount64;
            if (_running.Count == 0 && (_state == State.Deactivating || _deactivateWhenIdle))
            {
                _state = State.Deactivating;
                finishDeactivation = true;
            }
            else if (_state == State.Active)
            {
                TakeRunnable(ref toStart, ref abandoned);
            }
        }

        if (finishDeactivation)
        {
            _ = FinishDeactivationAsync();
        }

        StartAll(toStart, abandoned);
    }

    // Under _lock: moves waiting requests that may run now to toStart, in order, stopping at the first
    // that must keep waiting. Requests nobody waits for any more are dropped without running. The lists
    // are created only when needed: most calls find the queue empty.
    private void TakeRunnable(ref List<PendingCall>? toStart, ref List<PendingCall>? abandoned)
    {
        while (_waiting.TryPeek(out PendingCall? next))
        {
            if (next.IsAbandoned)
            {
                (abandoned ??= []).Add(_waiting.Dequeue());
                continue;
            }

            if (_running.Count > 0 && !MayInterleave(next))
            {
                return;
            }

            _running.Add(_waiting.Dequeue());
            (toStart ??= []).Add(next);
        }
    }

    private void StartAll(List<PendingCall>? toStart, List<PendingCall>? abandoned)
    {
        if (abandoned is not null)
        {
            foreach (PendingCall call in abandoned)
            {
                call.Fail(call.CallerToken.IsCancellationRequested
                    ? new OperationCanceledException(call.CallerToken)
                    : new TimeoutException($"call to {GrainId} {call.Method} expired while queued"));
            }
        }

        if (toStart is not null)
        {
            foreach (PendingCall call in toStart)
            {
                Start(call);
            }
        }
    }

    private async Task FinishDeactivationAsync()
    {
        try
        {
            using var timeoutSource = new CancellationTokenSource(_catalog.LifecycleTimeout);
            await RunOnScheduler(() => _grain!.OnDeactivateAsync(timeoutSource.Token)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _catalog.Logger.LogWarning(e, "OnDeactivateAsync of {Grain} failed", GrainId);
        }

        Close(() => new ActivationDeactivatedException(GrainId));
    }

    // Final step of either path: no more requests, leave the catalog, fail what was queued.
    private void Close(Func<Exception> failure)
    {
        PendingCall[] waiting;
        lock (_lock)
        {
            _state = State.Deactivated;
            waiting = [.. _waiting];
            _waiting.Clear();
        }

        _catalog.Remove(this);
        foreach (PendingCall call in waiting)
        {
            call.Fail(failure());
        }

        _deactivated.TrySetResult();
    }

    private Task RunOnScheduler(Func<Task> work) => StartOnScheduler(static state => ((Func<Task>)state!)(), work).Unwrap();

    // Grain code starts in a clean execution context: whatever AsyncLocals the thread that happens to
    // start it carries (another request's, a gateway's) must not leak in. The call chain is set explicitly.
    private Task<TTask> StartOnScheduler<TTask>(Func<object?, TTask> work, object state)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Factory.StartNew(work, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Factory.StartNew(work, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
        }
    }

    private Exception ToCallerException(Exception error, PendingCall call) => error switch
    {
        OperationCanceledException when Environment.TickCount64 >= call.DeadlineTick =>
            new TimeoutException($"call to {GrainId} {call.Method} was cancelled by its deadline"),
        OperationCanceledException when call.CallerToken.IsCancellationRequested => new OperationCanceledException(call.CallerToken),
        // A grain letting another grain's exception escape: keep the original thrower's type.
        GrainMethodException => error,
        _ => new GrainMethodException(error.GetType().FullName ?? error.GetType().Name, error.Message, error),
    };

    /// <summary>The state a request's turn needs; one allocation per call.</summary>
    private sealed class Turn(ActivationData activation, PendingCall call)
    {
        public Task<object?> Run()
        {
            RuntimeContext.CallChain = call.Chain is null ? activation._ownChain : call.Chain.Append(activation.GrainId);
            int tokenIndex = call.Method.CancellationTokenIndex;
            if (tokenIndex < 0)
            {
                return call.Method.InvokeAsync(activation._grain!, call.Arguments);
            }

            return RunWithToken(tokenIndex);
        }

        // The grain's token fires on the caller's cancellation or on the deadline, whichever first.
        private async Task<object?> RunWithToken(int tokenIndex)
        {
            using var source = CancellationTokenSource.CreateLinkedTokenSource(call.CallerToken);
            source.CancelAfter(call.Remaining);
            call.Arguments[tokenIndex] = source.Token;
            return await call.Method.InvokeAsync(activation._grain!, call.Arguments);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Mnemo.DataPlane;

/// <summary>
/// The async method builder of the request path's ValueTask methods that wait for a peer (a remote
/// replica's answer): a call that completes synchronously needs nothing, one that suspends takes its
/// state machine box from a pool and returns it once its result is read. The runtime's
/// <see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/> keeps one box per thread and per core,
/// which a gateway with many requests in flight outruns, so it allocates on most remote operations;
/// this pool holds up to <see cref="PoolCapacity"/> boxes per method.
/// <para>
/// As with any pooled ValueTask, the caller awaits it (or reads its result) exactly once, and not
/// after that: the box is reused by the next call.
/// </para>
/// </summary>
internal struct PooledValueTaskMethodBuilder<TResult>
{
    /// <summary>Boxes kept per async method: more than the operations a silo keeps in flight (a peer connection's default is 4096).</summary>
    public const int PoolCapacity = 4096;

    private PooledValueTaskBox<TResult>? _box;
    private TResult _result;
    private Exception? _exception;

    public static PooledValueTaskMethodBuilder<TResult> Create() => default;

    public readonly ValueTask<TResult> Task =>
        _box is { } box ? new ValueTask<TResult>(box, box.Version)
        : _exception is { } exception ? ValueTask.FromException<TResult>(exception)
        : new ValueTask<TResult>(_result);

    // The runtime's Start keeps the caller's execution and synchronization contexts from changes the method makes; its builders share it.
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine =>
        AsyncValueTaskMethodBuilder.Create().Start(ref stateMachine);

    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    public void SetResult(TResult result)
    {
        if (_box is { } box)
        {
            box.SetResult(result);
        }
        else
        {
            _result = result;
        }
    }

    public void SetException(Exception exception)
    {
        if (_box is { } box)
        {
            box.SetException(exception);
        }
        else
        {
            _exception = exception;
        }
    }

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(BoxFor(ref stateMachine).Suspend(flowContext: false));

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(BoxFor(ref stateMachine).Suspend(flowContext: true));

    /// <summary>On the first suspension the state machine moves (with this builder, now pointing at the box) into a pooled box.</summary>
    private PooledValueTaskBox<TResult> BoxFor<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
    {
        if (_box is { } box)
        {
            return box;
        }
        StateMachineBox<TStateMachine> created = StateMachineBox<TStateMachine>.Rent();
        _box = created;
        created.StateMachine = stateMachine;
        return created;
    }

    private sealed class StateMachineBox<TStateMachine> : PooledValueTaskBox<TResult> where TStateMachine : IAsyncStateMachine
    {
        private static readonly StateMachineBox<TStateMachine>[] Pool = new StateMachineBox<TStateMachine>[PoolCapacity];
        private static readonly Lock PoolLock = new();
        private static int _pooled;

        public TStateMachine StateMachine = default!;

        public static StateMachineBox<TStateMachine> Rent()
        {
            lock (PoolLock)
            {
                if (_pooled > 0)
                {
                    StateMachineBox<TStateMachine> box = Pool[--_pooled];
                    Pool[_pooled] = null!;
                    return box;
                }
            }
            return new StateMachineBox<TStateMachine>();
        }

        protected override void MoveNextCore() => StateMachine.MoveNext();

        protected override void Return()
        {
            // Drops the finished call's references (keys, buffers, the store) before the box waits in the pool.
            StateMachine = default!;
            lock (PoolLock)
            {
                if (_pooled < Pool.Length)
                {
                    Pool[_pooled++] = this;
                }
            }
        }
    }
}

/// <summary>A suspended call of a <see cref="PooledValueTaskMethodBuilder{TResult}"/> method: the ValueTask's source and the continuation that resumes it.</summary>
internal abstract class PooledValueTaskBox<TResult> : IValueTaskSource<TResult>
{
    private static readonly ContextCallback RunMoveNext = state => ((PooledValueTaskBox<TResult>)state!).MoveNextCore();

    // The caller's continuation runs inline when the method completes, as with the runtime's builders.
    private ManualResetValueTaskSourceCore<TResult> _core;
    private readonly Action _moveNext;
    private ExecutionContext? _context;

    protected PooledValueTaskBox() => _moveNext = MoveNext;

    public short Version => _core.Version;

    /// <summary>The continuation to register for an await; with <paramref name="flowContext"/> it resumes in the current execution context.</summary>
    public Action Suspend(bool flowContext)
    {
        _context = flowContext ? ExecutionContext.Capture() : null;
        return _moveNext;
    }

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _context = null;
            Return();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    protected abstract void MoveNextCore();

    protected abstract void Return();

    private void MoveNext()
    {
        if (_context is { } context)
        {
            ExecutionContext.Run(context, RunMoveNext, this);
        }
        else
        {
            MoveNextCore();
        }
    }
}

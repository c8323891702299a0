using System.Threading.Tasks.Sources;

namespace Mnemo.DataPlane;

/// <summary>
/// Async locks striped by key hash. A replica set holds a key's stripe while it fans a write out,
/// so writes to one key from this gateway reach every replica in the same order, and a repair or a
/// resync copy of that key cannot interleave with a write to it. Entry allocates nothing: an
/// uncontended one completes synchronously, a contended one waits (first come, first served) on a
/// pooled waiter that the holder hands the stripe to when it exits.
/// </summary>
public sealed class KeyLockStripes
{
    private readonly Stripe[] _stripes;

    public KeyLockStripes(int stripes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stripes);
        _stripes = new Stripe[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new Stripe(i);
        }
    }

    /// <summary>
    /// Enters the stripe of <paramref name="key"/>; pass the returned index to <see cref="Exit"/>. The
    /// ValueTask is awaited exactly once (its waiter is reused).
    /// </summary>
    public ValueTask<int> EnterAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        _stripes[StripeOf(key.Span)].EnterAsync(cancellationToken);

    public void Exit(int stripe) => _stripes[stripe].Exit();

    /// <summary>Waits until every write that entered before this call has left (takes and releases every stripe).</summary>
    public async Task BarrierAsync(CancellationToken cancellationToken = default)
    {
        foreach (Stripe stripe in _stripes)
        {
            await stripe.EnterAsync(cancellationToken).ConfigureAwait(false);
            stripe.Exit();
        }
    }

    private int StripeOf(ReadOnlySpan<byte> key)
    {
        // FNV-1a: cheap, and good enough to spread keys over stripes.
        uint hash = 2166136261;
        foreach (byte b in key)
        {
            hash = (hash ^ b) * 16777619;
        }
        return (int)(hash % (uint)_stripes.Length);
    }

    /// <summary>One stripe: held or not, and its waiters in arrival order (a linked list through the waiters).</summary>
    private sealed class Stripe(int index)
    {
        private readonly Lock _gate = new();
        private bool _held;
        private Waiter? _first, _last;

        public ValueTask<int> EnterAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (!_held)
                {
                    _held = true;
                    return new(index);
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    return ValueTask.FromCanceled<int>(cancellationToken);
                }
                Waiter waiter = Waiter.Rent(this, index);
                if (_last is null)
                {
                    _first = waiter;
                }
                else
                {
                    _last.Next = waiter;
                }
                _last = waiter;
                // Under the gate, so the stripe cannot be handed over before the waiter is complete.
                return waiter.Wait(cancellationToken);
            }
        }

        /// <summary>Hands the stripe to the first waiter, or frees it.</summary>
        public void Exit()
        {
            Waiter? next;
            lock (_gate)
            {
                next = _first;
                if (next is null)
                {
                    _held = false;
                    return;
                }
                Unlink(next, previous: null);
            }
            next.Grant();
        }

        /// <summary>Removes a cancelled waiter; false when the stripe was already handed to it.</summary>
        public bool TryRemove(Waiter waiter)
        {
            lock (_gate)
            {
                Waiter? previous = null;
                for (Waiter? current = _first; current is not null; previous = current, current = current.Next)
                {
                    if (current == waiter)
                    {
                        Unlink(current, previous);
                        return true;
                    }
                }
                return false;
            }
        }

        private void Unlink(Waiter waiter, Waiter? previous)
        {
            if (previous is null)
            {
                _first = waiter.Next;
            }
            else
            {
                previous.Next = waiter.Next;
            }
            if (_last == waiter)
            {
                _last = previous;
            }
            waiter.Next = null;
        }
    }

    /// <summary>
    /// A pending entry, reused: completed on the thread pool (it is its own work item, so handing over
    /// allocates nothing and the exiting caller never runs the next holder's code), returned to the pool
    /// once its result is read.
    /// </summary>
    private sealed class Waiter : IValueTaskSource<int>, IThreadPoolWorkItem
    {
        private const int PoolCapacity = 1024;
        private static readonly Waiter[] Pool = new Waiter[PoolCapacity];
        private static readonly Lock PoolLock = new();
        private static int _pooled;

        private ManualResetValueTaskSourceCore<int> _core;
        private Stripe? _stripe;
        private int _index;
        private CancellationTokenRegistration _cancellation;
        private Exception? _failure;

        public Waiter? Next;

        public static Waiter Rent(Stripe stripe, int index)
        {
            Waiter? waiter = null;
            lock (PoolLock)
            {
                if (_pooled > 0)
                {
                    waiter = Pool[--_pooled];
                    Pool[_pooled] = null!;
                }
            }
            waiter ??= new Waiter();
            waiter._stripe = stripe;
            waiter._index = index;
            return waiter;
        }

        public ValueTask<int> Wait(CancellationToken cancellationToken)
        {
            // Taken first: a token cancelled meanwhile runs the callback during registration, which may complete the waiter.
            var task = new ValueTask<int>(this, _core.Version);
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), this);
            }
            return task;
        }

        /// <summary>The stripe is this waiter's now.</summary>
        public void Grant() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);

        void IThreadPoolWorkItem.Execute()
        {
            // Waits for a cancellation callback already running, so it cannot act on this waiter once reused.
            _cancellation.Dispose();
            if (_failure is { } failure)
            {
                _core.SetException(failure);
            }
            else
            {
                _core.SetResult(_index);
            }
        }

        private void Cancel(CancellationToken token)
        {
            if (_stripe!.TryRemove(this))
            {
                _failure = new OperationCanceledException(token);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
            }
        }

        public int GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _stripe = null;
                _failure = null;
                _cancellation = default;
                lock (PoolLock)
                {
                    if (_pooled < Pool.Length)
                    {
                        Pool[_pooled++] = this;
                    }
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}

namespace Mnemo.DataPlane;

/// <summary>
/// Counts the writes in flight through a store and can hold new ones. <see cref="HoldAsync"/> makes
/// writes that arrive wait and returns once the writes already in flight have finished, so the holder
/// sees a quiet store (a change of topology, a snapshot); <see cref="Release"/> lets the waiting
/// writes go. A hold is a lease: it ends by itself at its deadline, so a holder that dies (its silo
/// killed) never stops writes for longer than that. Reads never pass through the fence.
/// </summary>
public sealed class WriteFence : IDisposable
{
    private readonly object _gate = new();
    private long _inFlight;
    private volatile TaskCompletionSource? _released;
    private TaskCompletionSource? _drained;
    private Timer? _deadline;

    /// <summary>True while writes are held.</summary>
    public bool IsHeld => _released is not null;

    /// <summary>Enters a write unless writes are held; a true answer must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        // Count first, then look: a hold that starts after the count sees this write in flight and waits for it.
        Interlocked.Increment(ref _inFlight);
        if (_released is null)
        {
            return true;
        }
        Exit();
        return false;
    }

    /// <summary>Enters a write, waiting while writes are held.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        while (!TryEnter())
        {
            if (_released is { } released)
            {
                await released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _released is not null)
        {
            lock (_gate)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Holds new writes until <see cref="Release"/> or <paramref name="lease"/> from now (a hold already
    /// in place gets the new deadline), and returns once no write is in flight. Throws
    /// <see cref="TimeoutException"/> when the hold ends (its lease ran out, or it was released) before
    /// the writes in flight finished: the holder cannot count on a quiet store then.
    /// </summary>
    public async Task HoldAsync(TimeSpan lease, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource drained;
        lock (_gate)
        {
            _released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _deadline?.Dispose();
            _deadline = new Timer(static fence => ((WriteFence)fence!).Release(), this, lease, Timeout.InfiniteTimeSpan);
        }
        if (Interlocked.Read(ref _inFlight) == 0)
        {
            drained.TrySetResult();
        }
        await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets held writes go; nothing happens when nothing is held.</summary>
    public void Release()
    {
        TaskCompletionSource? released, drained;
        lock (_gate)
        {
            released = _released;
            drained = _drained;
            _released = null;
            _drained = null;
            _deadline?.Dispose();
            _deadline = null;
        }
        drained?.TrySetException(new TimeoutException("the write hold ended before the writes in flight finished"));
        released?.TrySetResult();
    }

    public void Dispose() => Release();
}

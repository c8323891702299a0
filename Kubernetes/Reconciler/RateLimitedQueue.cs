namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// client-go's rate-limited work queue: a key added several times before it is taken is queued once; a key is
/// handed to one taker at a time (added again while taken, it is queued again when <see cref="Done"/> is called);
/// <see cref="AddRateLimited"/> re-adds a failed key after a delay that doubles with each failure of that key up to
/// <see cref="MaxDelay"/>, and <see cref="Forget"/> resets it.
/// </summary>
public sealed class RateLimitedQueue(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly object _lock = new();
    private readonly Queue<string> _order = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _available = new(0);

    public TimeSpan BaseDelay { get; } = baseDelay;

    public TimeSpan MaxDelay { get; } = maxDelay;

    public void Add(string key)
    {
        lock (_lock)
        {
            if (!_queued.Add(key) || _taken.Contains(key))
                return;
            _order.Enqueue(key);
        }
        _available.Release();
    }

    /// <summary>Adds <paramref name="key"/> once <paramref name="delay"/> has passed.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            Add(key);
            timer?.Dispose();
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Re-adds a key whose processing failed, after its backoff; the delay it waits.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        TimeSpan delay;
        lock (_lock)
        {
            int failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            delay = Backoff(failures);
        }
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>The delay after <paramref name="failures"/> earlier failures: base x 2^failures, capped.</summary>
    public TimeSpan Backoff(int failures) =>
        failures >= 30 ? MaxDelay : TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << failures)));

    public void Forget(string key)
    {
        lock (_lock)
            _failures.Remove(key);
    }

    public int Failures(string key)
    {
        lock (_lock)
            return _failures.GetValueOrDefault(key);
    }

    /// <summary>The next key; no other taker gets it until <see cref="Done"/>.</summary>
    public async Task<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            lock (_lock)
            {
                if (_order.TryDequeue(out string? key))
                {
                    _queued.Remove(key);
                    _taken.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(string key)
    {
        bool again;
        lock (_lock)
        {
            _taken.Remove(key);
            again = _queued.Contains(key);
            if (again)
                _order.Enqueue(key);
        }
        if (again)
            _available.Release();
    }
}

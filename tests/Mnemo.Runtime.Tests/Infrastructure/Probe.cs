using System.Collections.Concurrent;

namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>A test-owned service injected into grains: records what grains did (lifecycle events,
/// concurrency inside methods, observed cancellations) so tests assert on real behaviour.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _events = new();
    private readonly ConcurrentDictionary<string, int[]> _concurrency = new();

    public void Record(string grain, string @event) => _events.GetOrAdd(grain, _ => new()).Enqueue(@event);

    public IReadOnlyList<string> Events(string grain) => _events.TryGetValue(grain, out var queue) ? [.. queue] : [];

    /// <summary>Marks entry into a method; returns a scope that marks the exit. Tracks the current
    /// and the highest number of methods running at once per grain.</summary>
    public IDisposable Enter(string grain)
    {
        int[] counters = _concurrency.GetOrAdd(grain, _ => new int[2]);
        int now = Interlocked.Increment(ref counters[0]);
        int max;
        while (now > (max = Volatile.Read(ref counters[1])) && Interlocked.CompareExchange(ref counters[1], now, max) != max)
        {
        }

        return new Exit(counters);
    }

    public int MaxConcurrency(string grain) => _concurrency.TryGetValue(grain, out int[]? c) ? Volatile.Read(ref c[1]) : 0;

    private sealed class Exit(int[] counters) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref counters[0]);
    }
}

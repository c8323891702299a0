using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Mnemo.Silo.Runtime;

/// <summary>Fails local calls whose deadline passed. One periodic check over the calls in flight
/// instead of a timer per call: a per-call timer costs more than the rest of a local call, and
/// deadlines need no better precision than the check interval.</summary>
internal sealed class CallTimeouts : IDisposable
{
    private readonly ConcurrentDictionary<PendingCall, byte> _inFlight = new();
    private readonly Timer _timer;

    public CallTimeouts(IOptions<GrainRuntimeOptions> options)
    {
        TimeSpan interval = options.Value.DeadlineCheckInterval;
        _timer = new Timer(static state => ((CallTimeouts)state!).Check(), this, interval, interval);
    }

    public int InFlight => _inFlight.Count;

    public void Add(PendingCall call) => _inFlight.TryAdd(call, 0);

    public void Remove(PendingCall call) => _inFlight.TryRemove(call, out _);

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        long now = Environment.TickCount64;
        foreach (PendingCall call in _inFlight.Keys)
        {
            if (now >= call.DeadlineTick)
            {
                call.Fail(new TimeoutException($"call {call.Method} did not complete within its deadline"));
            }
        }
    }
}

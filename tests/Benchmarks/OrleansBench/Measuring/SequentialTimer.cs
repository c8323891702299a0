using System.Diagnostics;

namespace Mnemo.OrleansBench;

/// <summary>
/// Times calls one after another, each from its start to its completion. Also runs inside a grain,
/// so it never uses ConfigureAwait(false): continuations must stay on the grain's scheduler.
/// </summary>
public static class SequentialTimer
{
    /// <param name="call">Static lambda over <paramref name="target"/>: no closure allocated per run or call.</param>
    public static async Task<Measurement> RunAsync<T>(T target, Func<T, int, Task> call, int count)
    {
        var latencies = new long[count];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            long before = Stopwatch.GetTimestamp();
            await call(target, i);
            latencies[i] = Stopwatch.GetTimestamp() - before;
        }
        long elapsed = Stopwatch.GetTimestamp() - start;
        return new Measurement(latencies, elapsed, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }
}

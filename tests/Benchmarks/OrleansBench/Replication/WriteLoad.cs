using System.Diagnostics;

namespace Mnemo.OrleansBench;

/// <summary>
/// A fixed number of replica writes by <c>concurrency</c> callers, each starting its next write when
/// the previous one completes (so that many are in flight); latency is each write's own start to
/// completion.
/// </summary>
internal static class WriteLoad
{
    public static async Task<Measurement> RunAsync(string label, IReplicaWriter writer, ReplicaData data, int count, int concurrency)
    {
        var latencies = new long[count];
        var cursor = new Cursor();
        using (Progress.Start(label, count, () => Volatile.Read(ref cursor.Next) + 1))
        {
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            var callers = new Task[concurrency];
            for (int c = 0; c < concurrency; c++)
            {
                callers[c] = Task.Run(() => CallerAsync(writer, data, latencies, cursor));
            }
            await Task.WhenAll(callers).ConfigureAwait(false);
            long elapsed = Stopwatch.GetTimestamp() - start;
            return new Measurement(latencies, elapsed, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
        }
    }

    private static async Task CallerAsync(IReplicaWriter writer, ReplicaData data, long[] latencies, Cursor cursor)
    {
        while (true)
        {
            int i = Interlocked.Increment(ref cursor.Next);
            if (i >= latencies.Length)
            {
                return;
            }
            long before = Stopwatch.GetTimestamp();
            bool stored = await writer.WriteAsync(data.Keys[i % data.Keys.Length], data.Value).ConfigureAwait(false);
            latencies[i] = Stopwatch.GetTimestamp() - before;
            if (!stored)
            {
                throw new InvalidOperationException($"replica write {i} was not stored");
            }
        }
    }

    /// <summary>The next write's index, shared by the callers.</summary>
    private sealed class Cursor
    {
        public int Next = -1;
    }
}

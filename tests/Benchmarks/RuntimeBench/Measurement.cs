using System.Diagnostics;

namespace Mnemo.RuntimeBench;

/// <summary>Runs an operation many times after a warmup and reports time and allocation per call.</summary>
internal static class Measurement
{
    public static async Task<Result> RunAsync(string name, int warmup, int iterations, Func<ValueTask> operation)
    {
        for (int i = 0; i < warmup; i++)
        {
            await operation();
        }

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            await operation();
        }

        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Result(name, clock.Elapsed.TotalNanoseconds / iterations, (double)allocated / iterations);
    }

    public static void Print(Result measured, Result? baseline)
    {
        string ratio = baseline is null ? "" : $"  {measured.NanosecondsPerCall / baseline.NanosecondsPerCall,8:F1}x";
        Console.WriteLine($"  {measured.Name,-44} {measured.NanosecondsPerCall,10:F0} ns/call {measured.BytesPerCall,8:F0} B/call{ratio}");
    }

    public sealed record Result(string Name, double NanosecondsPerCall, double BytesPerCall);
}

using System.Buffers;
using System.Diagnostics;
using Mnemo.DataPlane;

namespace Mnemo.DataPlaneBench;

/// <summary>Runs the workload against one store with concurrent callers and measures it.</summary>
internal static class Phase
{
    /// <param name="Cpu">The process's CPU time (user and system, every thread) over the phase: unlike throughput,
    /// it hardly depends on how much of the machine other work leaves to this process.</param>
    public readonly record struct Result(long Operations, TimeSpan Elapsed, long AllocatedBytes, TimeSpan Cpu)
    {
        public double OpsPerSecond => Operations / Elapsed.TotalSeconds;
        public double MicrosecondsPerOp(int callers) => Elapsed.TotalMilliseconds * 1000 * callers / Operations;
        public double CpuMicrosecondsPerOp => Cpu.TotalMilliseconds * 1000 / Operations;
    }

    public static async Task<Result> RunAsync(IAsyncCacheStore store, BenchSettings settings)
    {
        byte[][] keys = Enumerable.Range(0, settings.Keys).Select(i => System.Text.Encoding.ASCII.GetBytes($"bench:{i:D10}")).ToArray();
        byte[] value = new byte[settings.ValueLength];
        Random.Shared.NextBytes(value);
        // Warm up: populate the keys and let the JIT settle.
        foreach (byte[] key in keys)
        {
            await store.StoreAsync(CacheStoreMode.Set, key, value, 0, 0);
        }

        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        long deadline = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        long[] counts = await Task.WhenAll(Enumerable.Range(0, settings.Callers).Select(c => Task.Run(() => CallerAsync(store, keys, value, c, deadline))));
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        return new Result(counts.Sum(), clock.Elapsed, allocated, process.TotalProcessorTime - cpuBefore);
    }

    private static async Task<long> CallerAsync(IAsyncCacheStore store, byte[][] keys, byte[] value, int caller, long deadline)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 64);
        long operations = 0;
        int next = caller * 7919;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            for (int i = 0; i < 64; i++)
            {
                byte[] key = keys[(uint)(next += 31) % (uint)keys.Length];
                CacheResult stored = await store.StoreAsync(CacheStoreMode.Set, key, value, 0, 0);
                buffer.ResetWrittenCount();
                CacheResult read = await store.GetAsync(key, buffer);
                if (stored.Status != CacheStatus.Ok || read.Status != CacheStatus.Ok)
                {
                    throw new InvalidOperationException($"benchmark operation failed: store {stored.Status}, get {read.Status}");
                }
            }
            operations += 128;
        }
        return operations;
    }
}

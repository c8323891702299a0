using System.Buffers.Text;
using System.Diagnostics;
using Mnemo.NativeEngine;

namespace Mnemo.EngineBench;

/// <summary>The C bench's set/get loops, through the C# binding.</summary>
internal static class BindingBench
{
    public sealed record Result(double SetNanosPerOp, double GetNanosPerOp);

    /// <summary>One run: fresh pool, warmup (fill every key, read every key), then a timed set pass and a timed get pass.</summary>
    public static Result Run(BenchSettings settings, string scratchFolder)
    {
        string path = Path.Combine(scratchFolder, $"binding-{Environment.ProcessId}.pool");
        File.Delete(path);
        try
        {
            // The C bench's sizing: room for every key several times over, so no run measures eviction.
            using EnginePool pool = EnginePool.Open(new PoolOptions
            {
                Path = path,
                Capacity = (ulong)settings.Keys * 400 + (256UL << 20),
                Create = true,
            });
            Region region = pool.CreateRegion("bench");

            Span<byte> value = stackalloc byte[BenchSettings.ValueLength];
            value.Fill((byte)'a');
            Set(pool, region, settings.Keys, value, scattered: false);
            Get(pool, region, settings.Keys);

            value.Fill((byte)'z');
            long start = Stopwatch.GetTimestamp();
            Set(pool, region, settings.Keys, value, scattered: true);
            double setNanos = Stopwatch.GetElapsedTime(start).TotalNanoseconds / settings.Keys;

            start = Stopwatch.GetTimestamp();
            Get(pool, region, settings.Keys);
            double getNanos = Stopwatch.GetElapsedTime(start).TotalNanoseconds / settings.Keys;
            return new Result(setNanos, getNanos);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Set(EnginePool pool, Region region, int keys, ReadOnlySpan<byte> value, bool scattered)
    {
        Span<byte> key = stackalloc byte[BenchSettings.KeyLength];
        for (int i = 0; i < keys; i++)
        {
            FormatKey(key, scattered ? BenchSettings.Scattered(i, keys) : i);
            EngineStatus status = pool.Store(region, StoreMode.Set, key, value, 0, 0, out _);
            if (status != EngineStatus.Ok)
            {
                throw new InvalidOperationException($"set failed: {status}");
            }
        }
    }

    private static void Get(EnginePool pool, Region region, int keys)
    {
        Span<byte> key = stackalloc byte[BenchSettings.KeyLength];
        Span<byte> value = stackalloc byte[BenchSettings.ValueLength];
        for (int i = 0; i < keys; i++)
        {
            FormatKey(key, BenchSettings.Scattered(i, keys));
            EngineStatus status = pool.TryGet(region, key, value, out _, out _);
            if (status != EngineStatus.Ok)
            {
                throw new InvalidOperationException($"get failed: {status}");
            }
        }
    }

    /// <summary>"key:%010u", formatted per operation as the C bench does.</summary>
    internal static void FormatKey(Span<byte> key, int index)
    {
        "key:"u8.CopyTo(key);
        Utf8Formatter.TryFormat((uint)index, key[4..], out _, new System.Buffers.StandardFormat('D', 10));
    }
}

using System.Globalization;

namespace Mnemo.EngineBench;

/// <summary>
/// Measures single-threaded set/get through the C# binding and, in the same run, through the C API
/// (mnemo_engine_bench), alternating runs so both see the same machine load, then prints the medians
/// and the binding's time per operation as a ratio of the C time.
/// </summary>
internal static class BenchProgram
{
    /// <summary>The binding may cost this much more than the C API per operation.</summary>
    private const double TargetRatio = 1.3;

    public static int Run(string[] args)
    {
        BenchSettings? settings = BenchSettings.Parse(args, Console.Error);
        if (settings is null)
        {
            return 2;
        }

        string? nativeBench = NativeBench.Locate(settings.NativeBenchPath);
        if (nativeBench is null)
        {
            Console.Error.WriteLine(settings.NativeBenchPath is null
                ? "engine-bench: mnemo_engine_bench not found under build/native-cmake/bench; build the engine (make native) or pass --c-bench PATH"
                : $"engine-bench: {settings.NativeBenchPath} does not exist");
            return 2;
        }

        string scratch = Directory.CreateDirectory(Path.Combine(
            Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"mnemo-enginebench-{Environment.ProcessId}")).FullName;
        try
        {
            Console.WriteLine($"# engine bench: {settings.Keys} keys \"key:%010u\", {BenchSettings.ValueLength}-byte values, 1 thread, " +
                $"DRAM-emulated pool, median of {settings.Runs} runs each; C API = {nativeBench}");

            var c = new List<NativeBench.Result>();
            var binding = new List<BindingBench.Result>();
            for (int run = 0; run < settings.Runs; run++)
            {
                c.Add(NativeBench.Run(nativeBench, settings, scratch));
                binding.Add(BindingBench.Run(settings, scratch));
            }

            Report(
                Median(c.Select(r => r.SetNanosPerOp)), Median(c.Select(r => r.GetNanosPerOp)),
                Median(binding.Select(r => r.SetNanosPerOp)), Median(binding.Select(r => r.GetNanosPerOp)));
            if (settings.MemoryItems > 0)
            {
                ReportMemory(settings.MemoryItems, MemoryPerItem.Run(settings.MemoryItems, scratch));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static void Report(double cSet, double cGet, double bindingSet, double bindingGet)
    {
        double setRatio = bindingSet / cSet, getRatio = bindingGet / cGet;

        Figure("c_set_ops_per_sec", 1e9 / cSet, "0", "ops/s");
        Figure("c_get_ops_per_sec", 1e9 / cGet, "0", "ops/s");
        Figure("csharp_set_ops_per_sec", 1e9 / bindingSet, "0", "ops/s");
        Figure("csharp_get_ops_per_sec", 1e9 / bindingGet, "0", "ops/s");
        Figure("c_set_ns_per_op", cSet, "0.0", "ns/op");
        Figure("c_get_ns_per_op", cGet, "0.0", "ns/op");
        Figure("csharp_set_ns_per_op", bindingSet, "0.0", "ns/op");
        Figure("csharp_get_ns_per_op", bindingGet, "0.0", "ns/op");
        Figure("set_time_csharp_over_c", setRatio, "0.000", "ratio");
        Figure("get_time_csharp_over_c", getRatio, "0.000", "ratio");

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"set: C# {bindingSet:0} ns/op vs C {cSet:0} ns/op -> {setRatio:0.00}x the C time, {Verdict(setRatio)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"get: C# {bindingGet:0} ns/op vs C {cGet:0} ns/op -> {getRatio:0.00}x the C time, {Verdict(getRatio)}"));
    }

    private static void ReportMemory(int items, MemoryPerItem.Result memory)
    {
        double ratio = memory.MnemoBytesPerItem / memory.MemcachedBytesPerItem;
        Console.WriteLine();
        Figure("memcached_bytes_per_item", memory.MemcachedBytesPerItem, "0.0", "bytes");
        Figure("mnemo_bytes_per_item", memory.MnemoBytesPerItem, "0.0", "bytes");
        Figure("memory_mnemo_over_memcached", ratio, "0.000", "ratio");
        string verdict = ratio <= 1.0 ? "no worse than memcached" : "WORSE than memcached";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: {items} items of {BenchSettings.ValueLength} bytes (held: memcached {memory.MemcachedItems}, Mnemo {memory.MnemoItems}) -> Mnemo {memory.MnemoBytesPerItem:0.0} vs memcached {memory.MemcachedBytesPerItem:0.0} bytes/item = {ratio:0.00}x, {verdict}"));
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Verdict(double ratio) =>
        ratio <= TargetRatio ? $"within the {TargetRatio}x target" : $"ABOVE the {TargetRatio}x target";

    private static void Figure(string key, double value, string format, string unit) =>
        Console.WriteLine($"{key} {value.ToString(format, CultureInfo.InvariantCulture)} {unit}");
}

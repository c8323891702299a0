namespace Mnemo.EngineBench;

/// <summary>
/// The workload, fixed to the C bench's shape: keys "key:%010u" (14 bytes), 100-byte values, flags 0,
/// no expiry, one thread, a fresh DRAM-emulated pool per run, keys visited in a scattered order.
/// </summary>
internal sealed record BenchSettings(int Keys, int Runs, string? NativeBenchPath, int MemoryItems)
{
    public const int KeyLength = 14;
    public const int ValueLength = 100;
    public const int DefaultKeys = 100_000;
    public const int DefaultRuns = 5;
    public const int DefaultMemoryItems = 1_000_000;

    /// <summary>Parses <c>[--keys N] [--runs N] [--c-bench PATH] [--memory-items N]</c> (0 skips the memory comparison); null, with a message, on bad input.</summary>
    public static BenchSettings? Parse(string[] args, TextWriter error)
    {
        int keys = DefaultKeys, runs = DefaultRuns, memoryItems = DefaultMemoryItems;
        string? nativeBench = null;
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool valid = name switch
            {
                "--c-bench" => (nativeBench = value) is not null,
                "--keys" => int.TryParse(value, out keys) && keys >= 10,
                "--runs" => int.TryParse(value, out runs) && runs > 0,
                "--memory-items" => int.TryParse(value, out memoryItems) && memoryItems >= 0,
                _ => false,
            };
            if (!valid)
            {
                error.WriteLine($"engine-bench: bad argument '{name}{(value is null ? "" : " " + value)}'");
                error.WriteLine("usage: engine-bench [--keys N>=10] [--runs N>=1] [--c-bench PATH/TO/mnemo_engine_bench] [--memory-items N>=0]");
                return null;
            }
        }
        return new BenchSettings(keys, runs, nativeBench, memoryItems);
    }

    /// <summary>The C bench's visiting order: a multiplicative stride, so consecutive operations do not walk memory.</summary>
    public static int Scattered(int i, int keys) => (int)((ulong)i * 2654435761UL % (ulong)keys);
}

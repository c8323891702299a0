using System.Globalization;

namespace Mnemo.OrleansBench;

/// <summary>
/// The workload. Calls and writes are counted rather than timed so every path does the same work;
/// the defaults keep the whole run (cluster start and stop included) well under a minute on 2 cores.
/// </summary>
internal sealed record BenchSettings(int Calls, int Writes, int Concurrency, int ValueSize)
{
    /// <summary>Replica keys are this long, as the 64-byte keys the design question assumes.</summary>
    public const int KeySize = 64;

    public const string Usage =
        "usage: orleans-bench [--calls N] [--writes N] [--concurrency N] [--value-size B]\n" +
        "  --calls N        sequential timed calls per grain-call path (default 10000; plus a warm-up of a fifth, at least 500)\n" +
        "  --writes N       timed replica writes per path and mode (default 20000; plus a warm-up of a fifth, at least 500)\n" +
        "  --concurrency N  writes in flight in the concurrent mode, 1..1024 (default 16)\n" +
        "  --value-size B   replica value size in bytes, 1..524288 (default 512; keys are 64 bytes)\n" +
        "Prints `key value unit` lines, then `summary:` lines with the ratios.";

    /// <summary>Untimed calls before each measured path: JIT tiering, connections and activations settle.</summary>
    public static int WarmupFor(int count) => Math.Max(500, count / 5);

    /// <summary>Parses the options; null with <paramref name="exitCode"/> 0 for --help, 2 for bad input (message written).</summary>
    public static BenchSettings? Parse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        exitCode = 0;
        int calls = 10_000, writes = 20_000, concurrency = 16, valueSize = 512;
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                output.WriteLine(Usage);
                return null;
            }
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool valid = name switch
            {
                "--calls" => TryParse(value, out calls) && calls > 0,
                "--writes" => TryParse(value, out writes) && writes > 0,
                "--concurrency" => TryParse(value, out concurrency) && concurrency is > 0 and <= 1024,
                "--value-size" => TryParse(value, out valueSize) && valueSize is > 0 and <= 512 * 1024,
                _ => false,
            };
            if (!valid)
            {
                error.WriteLine($"orleans-bench: bad argument '{name}{(value is null ? "" : " " + value)}'");
                error.WriteLine(Usage);
                exitCode = 2;
                return null;
            }
        }
        return new BenchSettings(calls, writes, concurrency, valueSize);
    }

    private static bool TryParse(string? text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}

namespace Mnemo.DataPlaneBench;

/// <summary>The workload: concurrent callers each running set/get pairs on 16-byte keys for a fixed time per phase.</summary>
internal sealed record BenchSettings(int Callers, double Seconds, int ValueLength, int Keys)
{
    public const string Usage = "usage: dataplane-bench [--callers 1..1024] [--seconds S>0] [--value-size 0..524288] [--keys N>0]";

    /// <summary>Parses <c>[--callers N] [--seconds S] [--value-size N] [--keys N]</c>; null, with a message, on bad input.</summary>
    public static BenchSettings? Parse(string[] args, TextWriter error)
    {
        int callers = 16, valueLength = 100, keys = 10_000;
        double seconds = 3;
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool valid = name switch
            {
                "--callers" => int.TryParse(value, out callers) && callers is > 0 and <= 1024,
                "--seconds" => double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out seconds) && seconds > 0,
                "--value-size" => int.TryParse(value, out valueLength) && valueLength is >= 0 and <= 512 * 1024,
                "--keys" => int.TryParse(value, out keys) && keys > 0,
                _ => false,
            };
            if (!valid)
            {
                error.WriteLine($"dataplane-bench: bad argument '{name}{(value is null ? "" : " " + value)}'");
                error.WriteLine(Usage);
                return null;
            }
        }
        return new BenchSettings(callers, seconds, valueLength, keys);
    }
}

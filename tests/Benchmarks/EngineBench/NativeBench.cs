using System.Diagnostics;
using System.Globalization;

namespace Mnemo.EngineBench;

/// <summary>Runs the C bench (mnemo_engine_bench) and reads the set/get rates from its <c>key value unit</c> lines.</summary>
internal static class NativeBench
{
    public sealed record Result(double SetNanosPerOp, double GetNanosPerOp);

    /// <summary>The path given, or the cmake build's bench found above the working directory; null when there is none.</summary>
    public static string? Locate(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : null;
        }
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "build", "native-cmake", "bench", "mnemo_engine_bench");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>One run of the C bench's get/set section (its large-pool section is cut to the minimum).</summary>
    public static Result Run(string program, BenchSettings settings, string scratchFolder)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--items", settings.Keys.ToString(CultureInfo.InvariantCulture), "--big", "10", "--dir", scratchFolder })
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {error.Result}");
        }

        Dictionary<string, (double Value, string Unit)> figures = ParseFigures(output);
        return new Result(NanosPerOp(figures, "set_ops_per_sec"), NanosPerOp(figures, "get_ops_per_sec"));
    }

    private static Dictionary<string, (double Value, string Unit)> ParseFigures(string output)
    {
        var figures = new Dictionary<string, (double, string)>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                figures[parts[0]] = (value, parts[2]);
            }
        }
        return figures;
    }

    private static double NanosPerOp(Dictionary<string, (double Value, string Unit)> figures, string key) =>
        figures.TryGetValue(key, out var figure) && figure.Unit == "ops/s" && figure.Value > 0
            ? 1e9 / figure.Value
            : throw new InvalidOperationException($"the C bench printed no '{key} <rate> ops/s' line");
}

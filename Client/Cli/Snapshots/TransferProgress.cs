using System.Diagnostics;
using System.Globalization;

namespace Mnemo.Cli;

/// <summary>
/// Progress of an export or import on stderr (stdout keeps the result): a line at most every second, and the
/// last one when done. On a terminal each line replaces the previous one.
/// </summary>
internal sealed class TransferProgress(string what, long totalBytes)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private TimeSpan _shown = -Interval;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Report(long bytes, long items, string? step = null, bool force = false)
    {
        if (!force && _clock.Elapsed - _shown < Interval)
            return;
        _shown = _clock.Elapsed;
        double percent = totalBytes > 0 ? 100.0 * bytes / totalBytes : 100;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"mnemo: {what}: {percent:0}% ({bytes / 1e6:0.0} of {totalBytes / 1e6:0.0} MB, {items} items{(step is null ? "" : ", " + step)})");
        Console.Error.Write(_terminal ? $"\r{line}\u001b[K" : line + Environment.NewLine);
    }

    /// <summary>Ends the progress line on a terminal.</summary>
    public void Done()
    {
        if (_terminal)
            Console.Error.WriteLine();
    }

    /// <summary>Megabytes per second over <paramref name="bytes"/> since the start.</summary>
    public double MegabytesPerSecond(long bytes) => bytes / 1e6 / Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
}

using System.Diagnostics;
using System.Globalization;

namespace Mnemo.Cli;

/// <summary>
/// Progress of an export or import on stderr (stdout keeps the result): a line at most every second, and the
/// last one when done. On a terminal each line replaces the previous one.
/// </summary>
internal sealed class TransferProgress(string what, long totalBytes)
{
    /// <summary>The bytes the transfer moves: an estimate until it is known.</summary>
    public long TotalBytes { get; set; } = totalBytes;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private TimeSpan _shown = -Interval;

    /// <summary>Time since the start, or since <see cref="Restart"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts the clock again: the figures then leave out what came before (connecting to the cluster).</summary>
    public void Restart()
    {
        _clock.Restart();
        _shown = -Interval;
    }

    public void Report(long bytes, long items, string? step = null, bool force = false)
    {
        if (!force && _clock.Elapsed - _shown < Interval)
            return;
        _shown = _clock.Elapsed;
        double percent = TotalBytes > 0 ? Math.Min(100, 100.0 * bytes / TotalBytes) : 100;
        (double scale, string unit) = TotalBytes >= 10_000_000 ? (1e6, "MB") : (1e3, "kB");
        string line = string.Create(CultureInfo.InvariantCulture,
            $"mnemo: {what}: {percent:0}% ({bytes / scale:0.0} of {TotalBytes / scale:0.0} {unit}, {items} items{(step is null ? "" : ", " + step)})");
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

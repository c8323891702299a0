using System.Text;

namespace Mnemo.DataPlane;

// version, verbosity, flush_all, stats.
internal sealed partial class AsciiSession
{
    private ProcessResult VersionCommand()
    {
        _out.Write("VERSION "u8);
        _out.WriteAscii(_options.Version);
        _out.WriteCrLf();
        return ProcessResult.Progress;
    }

    private ProcessResult VerbosityCommand(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        // memcached accepts any level (logging here is configured through ILogger, not the wire).
        if (tokens.Length != 2 && tokens.Length != 3)
        {
            return Error();
        }
        Reply("OK"u8, HasNoreply(line, tokens));
        return ProcessResult.Progress;
    }

    private async ValueTask<ProcessResult> FlushCommand(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length > 3)
        {
            return Error();
        }
        bool noreply = HasNoreply(line, tokens);
        long delay = 0;
        if (tokens.Length != (noreply ? 2 : 1))
        {
            if (!AsciiNumbers.TryParseInt64(line[tokens[1]], out delay))
            {
                Reply("CLIENT_ERROR invalid exptime argument"u8, noreply);
                return ProcessResult.Progress;
            }
        }
        _counters.Increment(Counter.CmdFlush);
        CacheResult result = await _store.FlushAsync(delay);
        Reply(result.Status == CacheStatus.Ok ? "OK"u8 : "SERVER_ERROR unavailable"u8, noreply);
        return ProcessResult.Progress;
    }

    /// <summary><c>stats [group ...]</c>, answered as memcached 1.6 answers each group (see <see cref="StatsReport"/>).</summary>
    private async ValueTask<ProcessResult> StatsCommand(ReadOnlyMemory<byte> lineMemory)
    {
        string group = _tokenCount > 1 ? Encoding.ASCII.GetString(lineMemory.Span[Tokens[1]]) : "";
        switch (group)
        {
            case "reset":
                _stats.Reset();
                _out.WriteLine("RESET"u8);
                return ProcessResult.Progress;
            case "detail":
                return StatsDetail(_tokenCount > 2 ? lineMemory.Span[Tokens[2]] : default);
            case "cachedump":
                // memcached's answer when started with -X: the engine cannot list a class's items.
                _out.WriteLine("CLIENT_ERROR stats cachedump not allowed"u8);
                return ProcessResult.Progress;
            case "sizes_enable" or "sizes_disable":
                // Size histograms are not kept. memcached ends these replies without END.
                _out.WriteLine("STAT sizes_status disabled"u8);
                return ProcessResult.Progress;
        }
        IReadOnlyList<KeyValuePair<string, string>>? report = await StatsReport.BuildAsync(group, _stats, _store, _options, _counters);
        if (report is null)
        {
            return Error();
        }
        foreach ((string name, string value) in report)
        {
            _out.Write("STAT "u8);
            _out.WriteAscii(name);
            _out.Write(" "u8);
            _out.WriteAscii(value);
            _out.WriteCrLf();
        }
        _out.WriteLine("END"u8);
        return ProcessResult.Progress;
    }

    /// <summary><c>stats detail on|off|dump</c>. The switch is kept and shown in <c>stats settings</c>;
    /// per-prefix figures are not collected, so a dump is empty, as memcached's is before detail is on.</summary>
    private ProcessResult StatsDetail(ReadOnlySpan<byte> action)
    {
        if (action.SequenceEqual("on"u8) || action.SequenceEqual("off"u8))
        {
            _stats.DetailEnabled = action.SequenceEqual("on"u8);
            _out.WriteLine("OK"u8);
        }
        else if (action.SequenceEqual("dump"u8))
        {
            _out.WriteLine("END"u8);
        }
        else
        {
            _out.WriteLine("CLIENT_ERROR usage: stats detail on|off|dump"u8);
        }
        return ProcessResult.Progress;
    }
}

using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

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

    private async ValueTask<ProcessResult> StatsCommand(ReadOnlyMemory<byte> lineMemory)
    {
        string group = _tokenCount > 1 ? System.Text.Encoding.ASCII.GetString(lineMemory.Span[Tokens[1]]) : "";
        if (group == "reset")
        {
            _stats.Reset();
            _out.WriteLine("RESET"u8);
            return ProcessResult.Progress;
        }
        IReadOnlyList<KeyValuePair<string, string>>? report = await StatsReport.BuildAsync(group, _stats, _store, _options);
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
}

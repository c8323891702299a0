using System.Buffers;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>
/// One connection speaking memcached's text protocol (classic and meta commands). Commands are parsed
/// from the input buffer in place; a line or data block split across network reads is left unconsumed
/// until it is complete (and copied into a pooled buffer only when it straddles pipe segments), so
/// the common path allocates nothing.
/// </summary>
internal sealed partial class AsciiSession : IProtocolSession
{
    /// <summary>memcached closes a connection that sends this much without a newline (unless it is a
    /// long multi-key get).</summary>
    public const int MaxLineWithoutNewline = 2048;

    public const int KeyMax = 250;

    /// <summary>memcached's MAX_TOKENS: commands are split into at most this many space-separated tokens.</summary>
    private const int MaxTokens = 24;

    private readonly ICacheStore _store;
    private readonly ResponseWriter _out;
    private readonly GatewayStats _stats;
    private readonly ConnectionCounters _counters;
    private readonly MemcachedGatewayOptions _options;
    private readonly ScratchBuffer _lineScratch = new();
    private readonly ScratchBuffer _dataScratch = new();
    private long _swallowRemaining;

    public AsciiSession(ICacheStore store, ResponseWriter output, GatewayStats stats, ConnectionCounters counters, MemcachedGatewayOptions options)
    {
        _store = store;
        _out = output;
        _stats = stats;
        _counters = counters;
        _options = options;
    }

    public ProcessResult Process(ref ReadOnlySequence<byte> buffer)
    {
        if (_swallowRemaining > 0)
        {
            long skip = Math.Min(_swallowRemaining, buffer.Length);
            buffer = buffer.Slice(skip);
            _swallowRemaining -= skip;
            return _swallowRemaining > 0 ? ProcessResult.NeedMoreData : ProcessResult.Progress;
        }

        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            bool tooLong = buffer.Length > MaxLineWithoutNewline && (buffer.Length > _options.MaxMultiGetLineBytes || !IsMultiGet(buffer));
            return tooLong ? ProcessResult.Close : ProcessResult.NeedMoreData;
        }

        ReadOnlySequence<byte> lineBytes = buffer.Slice(0, newline.Value);
        ReadOnlySequence<byte> rest = buffer.Slice(buffer.GetPosition(1, newline.Value));
        ReadOnlySpan<byte> line = _lineScratch.Contiguous(lineBytes);
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        Span<Range> tokens = stackalloc Range[MaxTokens];
        int count = Tokenize(line, tokens);
        ProcessResult result = Execute(line, tokens[..count], rest, out long dataConsumed);
        _lineScratch.Release();
        _dataScratch.Release();
        if (result == ProcessResult.NeedMoreData)
        {
            return result;
        }
        buffer = rest.Slice(dataConsumed);
        _counters.Add(Counter.BytesRead, lineBytes.Length + 1 + dataConsumed);
        return result;
    }

    private ProcessResult Execute(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, in ReadOnlySequence<byte> rest, out long dataConsumed)
    {
        dataConsumed = 0;
        if (tokens.Length == 0)
        {
            _out.WriteLine("ERROR"u8);
            return ProcessResult.Progress;
        }

        ReadOnlySpan<byte> command = line[tokens[0]];
        switch (command.Length)
        {
            case 2 when command[0] == (byte)'m':
                return ExecuteMeta(command[1], line, tokens, rest, out dataConsumed);
            case 3 when command.SequenceEqual("get"u8):
                return Retrieve(line, tokens, withCas: false, touch: false);
            case 3 when command.SequenceEqual("set"u8):
                return Update(CacheStoreMode.Set, line, tokens, rest, out dataConsumed);
            case 3 when command.SequenceEqual("add"u8):
                return Update(CacheStoreMode.Add, line, tokens, rest, out dataConsumed);
            case 3 when command.SequenceEqual("cas"u8):
                return Update(CacheStoreMode.Cas, line, tokens, rest, out dataConsumed);
            case 3 when command.SequenceEqual("gat"u8):
                return Retrieve(line, tokens, withCas: false, touch: true);
            case 4 when command.SequenceEqual("gets"u8):
                return Retrieve(line, tokens, withCas: true, touch: false);
            case 4 when command.SequenceEqual("gats"u8):
                return Retrieve(line, tokens, withCas: true, touch: true);
            case 4 when command.SequenceEqual("incr"u8):
                return Arithmetic(line, tokens, decrement: false);
            case 4 when command.SequenceEqual("decr"u8):
                return Arithmetic(line, tokens, decrement: true);
            case 4 when command.SequenceEqual("quit"u8):
                return ProcessResult.Close;
            case 5 when command.SequenceEqual("touch"u8):
                return TouchCommand(line, tokens);
            case 5 when command.SequenceEqual("stats"u8):
                return StatsCommand(line, tokens);
            case 6 when command.SequenceEqual("append"u8):
                return Update(CacheStoreMode.Append, line, tokens, rest, out dataConsumed);
            case 6 when command.SequenceEqual("delete"u8):
                return DeleteCommand(line, tokens);
            case 7 when command.SequenceEqual("replace"u8):
                return Update(CacheStoreMode.Replace, line, tokens, rest, out dataConsumed);
            case 7 when command.SequenceEqual("prepend"u8):
                return Update(CacheStoreMode.Prepend, line, tokens, rest, out dataConsumed);
            case 7 when command.SequenceEqual("version"u8):
                return VersionCommand(); // memcached ignores extra tokens here
            case 9 when command.SequenceEqual("flush_all"u8):
                return FlushCommand(line, tokens);
            case 9 when command.SequenceEqual("verbosity"u8):
                return VerbosityCommand(line, tokens);
            default:
                return Error();
        }
    }

    private ProcessResult Error()
    {
        _out.WriteLine("ERROR"u8);
        return ProcessResult.Progress;
    }

    /// <summary>Replies with <paramref name="line"/> unless the client asked for noreply.</summary>
    private void Reply(ReadOnlySpan<byte> line, bool noreply)
    {
        if (!noreply)
        {
            _out.WriteLine(line);
        }
    }

    private static bool HasNoreply(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens) =>
        line[tokens[^1]].SequenceEqual("noreply"u8);

    /// <summary>Splits on single spaces as memcached does; the last token keeps the rest of the line
    /// when there are more than <see cref="MaxTokens"/>.</summary>
    private static int Tokenize(ReadOnlySpan<byte> line, Span<Range> tokens)
    {
        int count = 0;
        int position = 0;
        while (position < line.Length && count < tokens.Length)
        {
            while (position < line.Length && line[position] == (byte)' ')
            {
                position++;
            }
            if (position == line.Length)
            {
                break;
            }
            int end = line.Length;
            if (count < tokens.Length - 1)
            {
                int space = line.Slice(position).IndexOf((byte)' ');
                end = space < 0 ? line.Length : position + space;
            }
            tokens[count++] = new Range(position, end);
            position = end;
        }
        return count;
    }

    private static bool IsMultiGet(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(head);
        return head.StartsWith("get "u8) || head.StartsWith("gets "u8);
    }
}

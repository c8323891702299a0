using System.Buffers;
using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// One connection speaking memcached's text protocol (classic and meta commands). Commands are parsed
/// from the input buffer in place; a line or data block split across network reads is left unconsumed
/// until it is complete (and copied into a pooled buffer only when it straddles pipe segments). Keys
/// and values go to the store as slices of that buffer; a store that answers synchronously (a local
/// engine region) keeps the whole command synchronous and allocation-free, one that answers later
/// (a replicated shard) suspends the command with the input buffer held. Frequent commands continue
/// with <see cref="StoreContinuation.Then"/> (no state machine when the answer is already there);
/// rare multi-step ones (flush, stats, meta arithmetic, refusals) are plain async methods.
/// </summary>
internal sealed partial class AsciiSession : IProtocolSession
{
    /// <summary>memcached closes a connection that sends this much without a newline (unless it is a
    /// long multi-key get).</summary>
    public const int MaxLineWithoutNewline = 2048;

    public const int KeyMax = 250;

    /// <summary>memcached's MAX_TOKENS: commands are split into at most this many space-separated tokens.</summary>
    private const int MaxTokens = 24;

    private readonly IAsyncCacheStore _store;
    private readonly ICacheStoreIntrospection? _introspection;
    private readonly ResponseWriter _out;
    private readonly ValueReplyWriter _value;
    private readonly GatewayStats _stats;
    private readonly ConnectionCounters _counters;
    private readonly MemcachedGatewayOptions _options;
    private readonly ScratchBuffer _lineScratch = new();
    private readonly ScratchBuffer _dataScratch = new();
    // Per-command state kept in fields rather than on the stack, because a command may wait for the store.
    private readonly Range[] _tokens = new Range[MaxTokens];
    private readonly byte[] _decodedKey = new byte[KeyMax];
    private readonly byte[] _digits = new byte[20];
    private int _tokenCount;
    private long _dataConsumed;
    private long _swallowRemaining;
    // The last VALUE header's length without its key: a client reading items of one size gets headers
    // of one length, so the next value is read straight to where its header will end.
    private int _valueHeaderShape = "VALUE  0 0\r\n"u8.Length;

    public AsciiSession(IAsyncCacheStore store, ResponseWriter output, GatewayStats stats, ConnectionCounters counters, MemcachedGatewayOptions options)
    {
        _store = store;
        _introspection = store as ICacheStoreIntrospection;
        _out = output;
        _value = new ValueReplyWriter(output);
        _stats = stats;
        _counters = counters;
        _options = options;
    }

    /// <summary>The current command's tokens: ranges of its line.</summary>
    private ReadOnlySpan<Range> Tokens => _tokens.AsSpan(0, _tokenCount);

    public ValueTask<ProcessStep> ProcessAsync(ReadOnlySequence<byte> buffer)
    {
        if (_swallowRemaining > 0)
        {
            long skip = Math.Min(_swallowRemaining, buffer.Length);
            _swallowRemaining -= skip;
            return new(new ProcessStep(_swallowRemaining > 0 ? ProcessResult.NeedMoreData : ProcessResult.Progress, skip));
        }

        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            bool tooLong = buffer.Length > MaxLineWithoutNewline && (buffer.Length > _options.MaxMultiGetLineBytes || !IsMultiGet(buffer));
            return new(new ProcessStep(tooLong ? ProcessResult.Close : ProcessResult.NeedMoreData, 0));
        }

        ReadOnlySequence<byte> lineBytes = buffer.Slice(0, newline.Value);
        ReadOnlySequence<byte> rest = buffer.Slice(buffer.GetPosition(1, newline.Value));
        ReadOnlyMemory<byte> line = _lineScratch.Contiguous(lineBytes);
        if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        _tokenCount = Tokenize(line.Span, _tokens);
        _dataConsumed = 0;
        long lineLength = lineBytes.Length + 1;
        ValueTask<ProcessResult> command = Execute(line, rest);
        return command.IsCompletedSuccessfully ? new(Finish(command.Result, lineLength)) : AwaitCommandAsync(command, lineLength);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ProcessStep> AwaitCommandAsync(ValueTask<ProcessResult> command, long lineLength) =>
        Finish(await command, lineLength);

    /// <summary>Ends a command: the scratch copies of its line and data are no longer referenced.</summary>
    private ProcessStep Finish(ProcessResult result, long lineLength)
    {
        _lineScratch.Release();
        _dataScratch.Release();
        if (result == ProcessResult.NeedMoreData)
        {
            return new ProcessStep(result, 0);
        }
        long consumed = lineLength + _dataConsumed;
        _counters.Add(Counter.BytesRead, consumed);
        return new ProcessStep(result, consumed);
    }

    private ValueTask<ProcessResult> Execute(ReadOnlyMemory<byte> lineMemory, ReadOnlySequence<byte> rest)
    {
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length == 0)
        {
            return new(Error());
        }

        ReadOnlySpan<byte> command = lineMemory.Span[tokens[0]];
        switch (command.Length)
        {
            case 2 when command[0] == (byte)'m':
                return ExecuteMeta(command[1], lineMemory, rest);
            case 3 when command.SequenceEqual("get"u8):
                return Retrieve(lineMemory, withCas: false, touch: false);
            case 3 when command.SequenceEqual("set"u8):
                return Update(CacheStoreMode.Set, lineMemory, rest);
            case 3 when command.SequenceEqual("add"u8):
                return Update(CacheStoreMode.Add, lineMemory, rest);
            case 3 when command.SequenceEqual("cas"u8):
                return Update(CacheStoreMode.Cas, lineMemory, rest);
            case 3 when command.SequenceEqual("gat"u8):
                return Retrieve(lineMemory, withCas: false, touch: true);
            case 4 when command.SequenceEqual("gets"u8):
                return Retrieve(lineMemory, withCas: true, touch: false);
            case 4 when command.SequenceEqual("gats"u8):
                return Retrieve(lineMemory, withCas: true, touch: true);
            case 4 when command.SequenceEqual("incr"u8):
                return Arithmetic(lineMemory, decrement: false);
            case 4 when command.SequenceEqual("decr"u8):
                return Arithmetic(lineMemory, decrement: true);
            case 4 when command.SequenceEqual("quit"u8):
                return new(ProcessResult.Close);
            case 5 when command.SequenceEqual("touch"u8):
                return TouchCommand(lineMemory);
            case 5 when command.SequenceEqual("stats"u8):
                return StatsCommand(lineMemory);
            case 6 when command.SequenceEqual("append"u8):
                return Update(CacheStoreMode.Append, lineMemory, rest);
            case 6 when command.SequenceEqual("delete"u8):
                return DeleteCommand(lineMemory);
            case 7 when command.SequenceEqual("replace"u8):
                return Update(CacheStoreMode.Replace, lineMemory, rest);
            case 7 when command.SequenceEqual("prepend"u8):
                return Update(CacheStoreMode.Prepend, lineMemory, rest);
            case 7 when command.SequenceEqual("version"u8):
                return new(VersionCommand()); // memcached ignores extra tokens here
            case 9 when command.SequenceEqual("flush_all"u8):
                return FlushCommand(lineMemory);
            case 9 when command.SequenceEqual("verbosity"u8):
                return new(VerbosityCommand(lineMemory.Span, tokens));
            default:
                return new(Error());
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

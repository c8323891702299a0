using System.Buffers;
using System.Text;

namespace Mnemo.DataPlane;

// get, gets, gat, gats, and the value-reading helpers the meta commands share.
internal sealed partial class AsciiSession
{
    private static ReadOnlySpan<byte> RoutePrefix => "__mcrouter__.route("u8;

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    // "VALUE " + key + " " + flags + " " + bytes + " " + cas + "\r\n"
    private const int ValueHeaderOverhead = 6 + 1 + 10 + 1 + 10 + 1 + 20 + 2;

    private ValueTask<ProcessResult> Retrieve(ReadOnlyMemory<byte> lineMemory, bool withCas, bool touch)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length < 2)
        {
            return new(Error());
        }
        int firstKey = touch ? 2 : 1;
        long exptime = 0;
        if (touch)
        {
            if (!AsciiNumbers.TryParseInt32(line[tokens[1]], out int parsed))
            {
                _out.WriteLine("CLIENT_ERROR invalid exptime argument"u8);
                return new(ProcessResult.Progress);
            }
            exptime = parsed;
        }

        // Keys are read from the line itself: a multi-get may name far more keys than there are tokens.
        int keysStart = tokens.Length > firstKey ? tokens[firstKey].Start.Value : line.Length;
        // memcached answers a bad key with an error and nothing else, so check before writing values.
        for (int position = keysStart; NextKey(line, ref position, out Range key);)
        {
            if (key.GetOffsetAndLength(line.Length).Length > KeyMax)
            {
                _out.WriteLine("CLIENT_ERROR bad command line format"u8);
                return new(ProcessResult.Progress);
            }
        }
        return RetrieveKeys(new Retrieval(lineMemory, keysStart, withCas, touch, exptime));
    }

    /// <summary>Where a multi-key retrieval is: the keys from <see cref="Position"/> on are still to be read.</summary>
    private readonly record struct Retrieval(ReadOnlyMemory<byte> Line, int Position, bool WithCas, bool Touch, long Exptime);

    private ValueTask<ProcessResult> RetrieveKeys(Retrieval retrieval)
    {
        int position = retrieval.Position;
        while (NextKey(retrieval.Line.Span, ref position, out Range keyRange))
        {
            ReadOnlyMemory<byte> key = retrieval.Line[keyRange];
            _counters.Increment(Counter.CmdGet);
            if (retrieval.Touch)
            {
                _counters.Increment(Counter.CmdTouch);
            }
            if (IsRouteRequest(key.Span))
            {
                WriteRoute(key.Span);
                continue;
            }
            IBufferWriter<byte> value = _value.Begin(ValueHeaderOverhead + key.Length, key.Length + _valueHeaderShape, CrLf.Length);
            ValueTask<CacheResult> read = _store.GetAsync(key, value, retrieval.Touch ? new CacheReadOptions(TouchExptime: retrieval.Exptime) : default);
            if (!read.IsCompletedSuccessfully)
            {
                // The rest of the keys continue once this one's value has arrived.
                return read.Then(this, (Key: keyRange, Remaining: retrieval with { Position = position }), static (session, result, state) =>
                {
                    session.WriteRetrieved(result, state.Remaining.Line.Span[state.Key], state.Remaining);
                    return session.RetrieveKeys(state.Remaining);
                });
            }
            WriteRetrieved(read.Result, key.Span, retrieval);
        }
        _out.WriteLine("END"u8);
        return new(ProcessResult.Progress);
    }

    private void WriteRetrieved(in CacheResult result, ReadOnlySpan<byte> key, in Retrieval retrieval)
    {
        if (result.Status == CacheStatus.Ok)
        {
            _counters.Increment(retrieval.Touch ? Counter.TouchHits : Counter.GetHits);
            CommitValue(key, result.Info, retrieval.WithCas);
        }
        else
        {
            _counters.Increment(retrieval.Touch ? Counter.TouchMisses : Counter.GetMisses);
        }
    }

    /// <summary>The next space-separated key of <paramref name="line"/> from <paramref name="position"/> on.</summary>
    private static bool NextKey(ReadOnlySpan<byte> line, ref int position, out Range key)
    {
        while (position < line.Length && line[position] == (byte)' ')
        {
            position++;
        }
        int space = line[position..].IndexOf((byte)' ');
        int end = space < 0 ? line.Length : position + space;
        key = new Range(position, end);
        position = end;
        return key.Start.Value != end;
    }

    private static bool IsRouteRequest(ReadOnlySpan<byte> key) => key.StartsWith(RoutePrefix) && key[^1] == (byte)')';

    /// <summary>Writes the VALUE header in front of the value the store read into <see cref="_value"/>, and commits both.</summary>
    private void CommitValue(ReadOnlySpan<byte> key, in CacheItemInfo info, bool withCas)
    {
        Span<byte> header = stackalloc byte[ValueHeaderOverhead + KeyMax];
        var text = new SpanFormatter(header);
        text.Append("VALUE "u8);
        text.Append(key);
        text.Append((byte)' ');
        text.Append(info.Flags);
        text.Append((byte)' ');
        text.Append((ulong)_value.Length);
        if (withCas)
        {
            text.Append((byte)' ');
            text.Append(info.Cas);
        }
        text.Append(CrLf);
        _value.Commit(header[..text.Length], CrLf);
        _valueHeaderShape = text.Length - key.Length;
    }

    /// <summary>
    /// mcrouter-style introspection: <c>get __mcrouter__.route(op,key)</c> answers the key's shard index
    /// and then the replicas that serve it, one per line. A store that cannot describe its routing is
    /// one shard.
    /// </summary>
    private void WriteRoute(ReadOnlySpan<byte> request)
    {
        ReadOnlySpan<byte> arguments = request[RoutePrefix.Length..^1];
        int comma = arguments.IndexOf((byte)',');
        ReadOnlySpan<byte> key = comma < 0 ? arguments : arguments[(comma + 1)..];
        CacheRoute route = _introspection?.DescribeRoute(key) ?? new CacheRoute(0, 1, []);
        var value = new StringBuilder().Append(route.Shard);
        foreach (string replica in route.Replicas)
        {
            value.Append("\r\n").Append(replica);
        }
        byte[] bytes = Encoding.UTF8.GetBytes(value.ToString());
        _out.Write("VALUE "u8);
        _out.Write(request);
        _out.Write(" 0 "u8);
        _out.WriteDecimal((ulong)bytes.Length);
        _out.WriteCrLf();
        _out.WriteLine(bytes);
    }
}

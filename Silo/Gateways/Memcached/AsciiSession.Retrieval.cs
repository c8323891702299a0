using System.Text;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

// get, gets, gat, gats, and the value-reading helpers the meta commands share.
internal sealed partial class AsciiSession
{
    private static ReadOnlySpan<byte> RoutePrefix => "__mcrouter__.route("u8;

    // "VALUE " + key + " " + flags + " " + bytes + " " + cas + "\r\n"
    private const int ValueHeaderOverhead = 6 + 1 + 10 + 1 + 10 + 1 + 20 + 2;

    private ProcessResult Retrieve(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, bool withCas, bool touch)
    {
        if (tokens.Length < 2)
        {
            return Error();
        }
        int firstKey = touch ? 2 : 1;
        long exptime = 0;
        if (touch)
        {
            if (!AsciiNumbers.TryParseInt32(line[tokens[1]], out int parsed))
            {
                _out.WriteLine("CLIENT_ERROR invalid exptime argument"u8);
                return ProcessResult.Progress;
            }
            exptime = parsed;
        }

        // Keys are read from the line itself: a multi-get may name far more keys than there are tokens.
        ReadOnlySpan<byte> keys = tokens.Length > firstKey ? line.Slice(tokens[firstKey].Start.Value) : default;
        // memcached answers a bad key with an error and nothing else, so check before writing values.
        for (ReadOnlySpan<byte> remaining = keys; NextKey(ref remaining, out ReadOnlySpan<byte> key);)
        {
            if (key.Length > KeyMax)
            {
                _out.WriteLine("CLIENT_ERROR bad command line format"u8);
                return ProcessResult.Progress;
            }
        }

        Span<byte> header = stackalloc byte[ValueHeaderOverhead + KeyMax];
        for (ReadOnlySpan<byte> remaining = keys; NextKey(ref remaining, out ReadOnlySpan<byte> key);)
        {
            _counters.Increment(Counter.CmdGet);
            if (touch)
            {
                _counters.Increment(Counter.CmdTouch);
            }
            if (key.StartsWith(RoutePrefix) && key[^1] == (byte)')')
            {
                WriteRoute(key);
                continue;
            }
            CacheStatus status = ReadValue(key, touch, exptime, ValueHeaderOverhead + key.Length, out Span<byte> span, out CacheItemInfo info);
            if (status == CacheStatus.Ok)
            {
                _counters.Increment(touch ? Counter.TouchHits : Counter.GetHits);
                int length = FormatValueHeader(header, key, info, withCas);
                CommitValue(span, header[..length], info.ValueLength, ValueHeaderOverhead + key.Length);
            }
            else
            {
                _counters.Increment(touch ? Counter.TouchMisses : Counter.GetMisses);
            }
        }
        _out.WriteLine("END"u8);
        return ProcessResult.Progress;
    }

    private static bool NextKey(ref ReadOnlySpan<byte> remaining, out ReadOnlySpan<byte> key)
    {
        remaining = remaining.TrimStart((byte)' ');
        int space = remaining.IndexOf((byte)' ');
        key = space < 0 ? remaining : remaining[..space];
        remaining = space < 0 ? default : remaining[space..];
        return !key.IsEmpty;
    }

    /// <summary>
    /// Reads a value straight into the output pipe at offset <paramref name="headerRoom"/>, leaving room
    /// for a header whose length is known only once the value's length is. Grows the request when the
    /// value does not fit the current pipe segment.
    /// </summary>
    private CacheStatus ReadValue(scoped ReadOnlySpan<byte> key, bool touch, long exptime, int headerRoom, out Span<byte> span, out CacheItemInfo info)
    {
        int sizeHint = headerRoom + 2;
        while (true)
        {
            span = _out.GetSpan(sizeHint);
            Span<byte> valueArea = span[headerRoom..^2];
            CacheStatus status = touch
                ? _store.GetAndTouch(key, exptime, valueArea, out info)
                : _store.Get(key, valueArea, out info);
            if (status != CacheStatus.BufferTooSmall)
            {
                return status;
            }
            sizeHint = headerRoom + info.ValueLength + 2;
        }
    }

    /// <summary>Moves the value read by <see cref="ReadValue"/> right behind its header and commits both plus CRLF.</summary>
    private void CommitValue(Span<byte> span, ReadOnlySpan<byte> header, int valueLength, int headerRoom)
    {
        span.Slice(headerRoom, valueLength).CopyTo(span[header.Length..]);
        header.CopyTo(span);
        int end = header.Length + valueLength;
        span[end] = (byte)'\r';
        span[end + 1] = (byte)'\n';
        _out.Advance(end + 2);
    }

    private static int FormatValueHeader(Span<byte> header, ReadOnlySpan<byte> key, in CacheItemInfo info, bool withCas)
    {
        var text = new SpanFormatter(header);
        text.Append("VALUE "u8);
        text.Append(key);
        text.Append((byte)' ');
        text.Append(info.Flags);
        text.Append((byte)' ');
        text.Append((ulong)info.ValueLength);
        if (withCas)
        {
            text.Append((byte)' ');
            text.Append(info.Cas);
        }
        text.Append("\r\n"u8);
        return text.Length;
    }

    /// <summary>
    /// mcrouter-style introspection: <c>get __mcrouter__.route(op,key)</c> answers the key's shard index
    /// and then the replicas that serve it, one per line.
    /// </summary>
    private void WriteRoute(ReadOnlySpan<byte> request)
    {
        ReadOnlySpan<byte> arguments = request[RoutePrefix.Length..^1];
        int comma = arguments.IndexOf((byte)',');
        ReadOnlySpan<byte> key = comma < 0 ? arguments : arguments[(comma + 1)..];
        CacheRoute route = _store.DescribeRoute(key);
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

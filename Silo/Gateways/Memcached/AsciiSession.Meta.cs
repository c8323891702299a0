using System.Buffers;
using System.Buffers.Text;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

// The meta commands of memcached 1.6: mg, ms, md, ma, me, mn. Return flags follow the order of the
// request's flags, as memcached's do. Lease flags (mg N/R, ms/md I) need per-item win/stale state
// the store does not keep, so they are refused as invalid flags rather than half-honoured. me reports
// exp, la, cas and fetch; memcached's slab class and item size have no equivalent here.
internal sealed partial class AsciiSession
{
    private const string MetaGetFlags = "bcfhklOqstuvT";
    private const string MetaSetFlags = "bcCFkMOqsT";
    private const string MetaDeleteFlags = "bCkOqT";
    private const string MetaArithmeticFlags = "bcCDJkMNOqtTv";

    /// <summary>Room for "VA len" and every return flag a meta reply can carry (key excluded).</summary>
    private const int MetaHeaderRoom = 256;

    private ProcessResult ExecuteMeta(byte command, ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, in ReadOnlySequence<byte> rest, out long dataConsumed)
    {
        dataConsumed = 0;
        switch (command)
        {
            case (byte)'n':
                _out.WriteLine("MN"u8);
                return ProcessResult.Progress;
            case (byte)'g':
                return MetaGet(line, tokens);
            case (byte)'s':
                return MetaSet(line, tokens, rest, out dataConsumed);
            case (byte)'d':
                return MetaDelete(line, tokens);
            case (byte)'a':
                return MetaArithmetic(line, tokens);
            case (byte)'e':
                return MetaDebug(line, tokens);
            default:
                return Error();
        }
    }

    private ProcessResult MetaGet(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length < 2)
        {
            return Error();
        }
        _counters.Increment(Counter.CmdMeta);
        ReadOnlySpan<byte> keyToken = line[tokens[1]];
        if (keyToken.Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return ProcessResult.Progress;
        }
        ReadOnlySpan<Range> flagTokens = tokens[2..];
        MetaFlags.Problem problem = MetaFlags.Parse(line, flagTokens, MetaGetFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid flag"u8, "CLIENT_ERROR duplicate flag"u8);
            return ProcessResult.Progress;
        }
        Span<byte> keyBuffer = stackalloc byte[KeyMax];
        if (!TryMetaKey(keyToken, flags.Has('b'), keyBuffer, out ReadOnlySpan<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return ProcessResult.Progress;
        }
        bool touch = flags.Has('T');
        int ttl = 0;
        if (touch && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl))
        {
            _out.WriteLine("CLIENT_ERROR bad token in command line format"u8);
            return ProcessResult.Progress;
        }

        _counters.Increment(Counter.CmdGet);
        bool withValue = flags.Has('v');
        int headerRoom = MetaHeaderRoom + key.Length;
        Span<byte> span = default;
        CacheItemInfo info;
        CacheStatus status = withValue
            ? ReadValue(key, touch, ttl, headerRoom, out span, out info)
            : touch ? _store.GetAndTouch(key, ttl, Span<byte>.Empty, out info) : _store.Get(key, Span<byte>.Empty, out info);
        bool hit = status == CacheStatus.Ok || (!withValue && status == CacheStatus.BufferTooSmall);
        if (!hit)
        {
            if (status != CacheStatus.NotFound)
            {
                _out.WriteLine("SERVER_ERROR unavailable"u8);
                return ProcessResult.Progress;
            }
            _counters.Increment(Counter.GetMisses);
            if (!flags.Has('q'))
            {
                WriteMetaStatus("EN"u8, line, flagTokens, keyToken, flags.Has('b'), cas: null);
            }
            return ProcessResult.Progress;
        }

        _counters.Increment(Counter.GetHits);
        Span<byte> header = stackalloc byte[MetaHeaderRoom + KeyMax];
        var text = new SpanFormatter(header);
        if (withValue)
        {
            text.Append("VA "u8);
            text.Append((ulong)info.ValueLength);
        }
        else
        {
            text.Append("HD"u8);
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (Range token in flagTokens)
        {
            ReadOnlySpan<byte> flag = line[token];
            switch (flag[0])
            {
                case (byte)'c':
                    text.Append(" c"u8);
                    text.Append(info.Cas);
                    break;
                case (byte)'f':
                    text.Append(" f"u8);
                    text.Append(info.Flags);
                    break;
                case (byte)'h':
                    text.Append(info.Fetched ? " h1"u8 : " h0"u8);
                    break;
                case (byte)'k':
                    text.Append(" k"u8);
                    text.Append(key);
                    break;
                case (byte)'l':
                    text.Append(" l"u8);
                    text.Append(Math.Max(0, now - info.LastAccess));
                    break;
                case (byte)'O':
                    text.Append((byte)' ');
                    text.Append(flag);
                    break;
                case (byte)'s':
                    text.Append(" s"u8);
                    text.Append((ulong)info.ValueLength);
                    break;
                case (byte)'t':
                    text.Append(" t"u8);
                    text.Append(RemainingTtl(info.Exptime, now));
                    break;
            }
        }
        text.Append("\r\n"u8);
        if (withValue)
        {
            CommitValue(span, header[..text.Length], info.ValueLength, headerRoom);
        }
        else
        {
            _out.Write(header[..text.Length]);
        }
        return ProcessResult.Progress;
    }

    private ProcessResult MetaSet(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, in ReadOnlySequence<byte> rest, out long dataConsumed)
    {
        dataConsumed = 0;
        if (tokens.Length < 2)
        {
            return Error();
        }
        _counters.Increment(Counter.CmdMeta);
        ReadOnlySpan<byte> keyToken = line[tokens[1]];
        if (tokens.Length < 3 || keyToken.Length > KeyMax
            || !AsciiNumbers.TryParseInt32(line[tokens[2]], out int length) || length < 0 || length > int.MaxValue - 2)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return ProcessResult.Progress;
        }
        long blockLength = (long)length + 2;

        // From here on memcached knows the data length, and skips the data block after an error.
        ReadOnlySpan<Range> flagTokens = tokens[3..];
        MetaFlags.Problem problem = MetaFlags.Parse(line, flagTokens, MetaSetFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid flag"u8, "CLIENT_ERROR duplicate flag"u8);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        Span<byte> keyBuffer = stackalloc byte[KeyMax];
        if (!TryMetaKey(keyToken, flags.Has('b'), keyBuffer, out ReadOnlySpan<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        uint clientFlags = 0;
        if (flags.Has('F') && !AsciiNumbers.TryParseFlags(line[flags.ClientFlags], out clientFlags))
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        int ttl = 0;
        ulong casIn = 0;
        if ((flags.Has('T') && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl))
            || (flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn)))
        {
            _out.WriteLine("CLIENT_ERROR bad token in command line format"u8);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        CacheStoreMode mode = CacheStoreMode.Set;
        if (flags.Has('M') && !TryMetaSetMode(line[flags.Mode], out mode))
        {
            _out.WriteLine("CLIENT_ERROR invalid mode for ms M token"u8);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        if (length > _store.ItemSizeMax)
        {
            RefuseTooLarge(mode, key, noreply: false);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        if (rest.Length < blockLength)
        {
            return ProcessResult.NeedMoreData;
        }
        dataConsumed = blockLength;
        ReadOnlySpan<byte> block = _dataScratch.Contiguous(rest.Slice(0, blockLength));
        if (block[length] != (byte)'\r' || block[length + 1] != (byte)'\n')
        {
            _out.WriteLine("CLIENT_ERROR bad data chunk"u8);
            return ProcessResult.Progress;
        }

        _counters.Increment(Counter.CmdSet);
        CacheStatus status = _store.Store(mode, key, block[..length], clientFlags, ttl, casIn, out ulong cas);
        ReadOnlySpan<byte> code;
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TotalItems);
                if (flags.Has('q'))
                {
                    return ProcessResult.Progress;
                }
                code = "HD"u8;
                break;
            case CacheStatus.NotStored:
                code = "NS"u8;
                break;
            case CacheStatus.Exists:
                code = "EX"u8;
                break;
            case CacheStatus.NotFound:
                code = "NF"u8;
                break;
            case CacheStatus.TooLarge:
                RefuseTooLarge(mode, key, noreply: false);
                return ProcessResult.Progress;
            default:
                ReplyStoreFailure(status, noreply: false);
                return ProcessResult.Progress;
        }
        WriteMetaStatus(code, line, flagTokens, keyToken, flags.Has('b'), status == CacheStatus.Ok ? cas : 0);
        return ProcessResult.Progress;
    }

    private ProcessResult MetaDelete(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length < 2)
        {
            return Error();
        }
        _counters.Increment(Counter.CmdMeta);
        ReadOnlySpan<byte> keyToken = line[tokens[1]];
        if (keyToken.Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return ProcessResult.Progress;
        }
        ReadOnlySpan<Range> flagTokens = tokens[2..];
        MetaFlags.Problem problem = MetaFlags.Parse(line, flagTokens, MetaDeleteFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid or duplicate flag"u8, "CLIENT_ERROR invalid or duplicate flag"u8);
            return ProcessResult.Progress;
        }
        Span<byte> keyBuffer = stackalloc byte[KeyMax];
        if (!TryMetaKey(keyToken, flags.Has('b'), keyBuffer, out ReadOnlySpan<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return ProcessResult.Progress;
        }
        ulong casIn = 0;
        if (flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn))
        {
            _out.WriteLine("CLIENT_ERROR invalid or duplicate flag"u8);
            return ProcessResult.Progress;
        }
        ReadOnlySpan<byte> code;
        switch (_store.Delete(key, casIn))
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.DeleteHits);
                if (flags.Has('q'))
                {
                    return ProcessResult.Progress;
                }
                code = "HD"u8;
                break;
            case CacheStatus.NotFound:
                _counters.Increment(Counter.DeleteMisses);
                code = "NF"u8;
                break;
            case CacheStatus.Exists:
                code = "EX"u8;
                break;
            default:
                _out.WriteLine("SERVER_ERROR unavailable"u8);
                return ProcessResult.Progress;
        }
        WriteMetaStatus(code, line, flagTokens, keyToken, flags.Has('b'), cas: null);
        return ProcessResult.Progress;
    }

    private ProcessResult MetaArithmetic(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length < 2)
        {
            return Error();
        }
        _counters.Increment(Counter.CmdMeta);
        ReadOnlySpan<byte> keyToken = line[tokens[1]];
        if (keyToken.Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return ProcessResult.Progress;
        }
        ReadOnlySpan<Range> flagTokens = tokens[2..];
        MetaFlags.Problem problem = MetaFlags.Parse(line, flagTokens, MetaArithmeticFlags, out MetaFlags flags);
        Span<byte> keyBuffer = stackalloc byte[KeyMax];
        ulong delta = 1, initial = 0, casIn = 0;
        int vivifyTtl = 0, ttl = 0;
        if (problem == MetaFlags.Problem.OpaqueTooLong)
        {
            _out.WriteLine("CLIENT_ERROR opaque token too long"u8);
            return ProcessResult.Progress;
        }
        if (problem != MetaFlags.Problem.None
            || (flags.Has('D') && !AsciiNumbers.TryParseUInt64(line[flags.Delta], out delta))
            || (flags.Has('J') && !AsciiNumbers.TryParseUInt64(line[flags.Initial], out initial))
            || (flags.Has('N') && !AsciiNumbers.TryParseInt32(line[flags.Vivify], out vivifyTtl))
            || (flags.Has('T') && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl))
            || (flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn)))
        {
            _out.WriteLine("CLIENT_ERROR invalid or duplicate flag"u8);
            return ProcessResult.Progress;
        }
        if (!TryMetaKey(keyToken, flags.Has('b'), keyBuffer, out ReadOnlySpan<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return ProcessResult.Progress;
        }
        bool decrement = false;
        if (flags.Has('M'))
        {
            ReadOnlySpan<byte> mode = line[flags.Mode];
            if (mode.Length != 1 || !(mode[0] is (byte)'I' or (byte)'i' or (byte)'+' or (byte)'D' or (byte)'d' or (byte)'-'))
            {
                _out.WriteLine("CLIENT_ERROR invalid mode for ma M token"u8);
                return ProcessResult.Progress;
            }
            decrement = mode[0] is (byte)'D' or (byte)'d' or (byte)'-';
        }

        // The store's arithmetic has no compare step: check the CAS first (a racing writer between
        // the check and the update is not detected).
        if (casIn != 0 && _store.Get(key, Span<byte>.Empty, out CacheItemInfo current) is CacheStatus.Ok or CacheStatus.BufferTooSmall
            && current.Cas != casIn)
        {
            WriteMetaStatus("EX"u8, line, flagTokens, keyToken, flags.Has('b'), cas: 0);
            return ProcessResult.Progress;
        }

        CacheStatus status = _store.Arithmetic(key, decrement, delta, out ulong value, out ulong cas);
        bool vivified = false;
        if (status == CacheStatus.NotFound && flags.Has('N'))
        {
            vivified = true;
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat(initial, digits, out int written);
            status = _store.Store(CacheStoreMode.Add, key, digits[..written], 0, vivifyTtl, 0, out cas);
            value = initial;
            if (status == CacheStatus.NotStored)
            {
                status = _store.Arithmetic(key, decrement, delta, out value, out cas);
            }
        }
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(decrement ? Counter.DecrHits : Counter.IncrHits);
                break;
            case CacheStatus.NotFound:
                _counters.Increment(decrement ? Counter.DecrMisses : Counter.IncrMisses);
                WriteMetaStatus("NF"u8, line, flagTokens, keyToken, flags.Has('b'), cas: 0);
                return ProcessResult.Progress;
            case CacheStatus.NotStored:
                WriteMetaStatus("NS"u8, line, flagTokens, keyToken, flags.Has('b'), cas: 0);
                return ProcessResult.Progress;
            case CacheStatus.NonNumeric:
                _out.WriteLine("CLIENT_ERROR cannot increment or decrement non-numeric value"u8);
                return ProcessResult.Progress;
            default:
                _out.WriteLine("SERVER_ERROR unavailable"u8);
                return ProcessResult.Progress;
        }
        if (flags.Has('T'))
        {
            _store.Touch(key, ttl);
        }

        long exptime = 0;
        if (flags.Has('t') && _store.Get(key, Span<byte>.Empty, out CacheItemInfo after) is CacheStatus.Ok or CacheStatus.BufferTooSmall)
        {
            exptime = after.Exptime;
        }
        // As memcached: q hides a successful reply, except for an item just created by N.
        if (flags.Has('q') && !vivified)
        {
            return ProcessResult.Progress;
        }
        bool withValue = flags.Has('v');
        Span<byte> digitsOut = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digitsOut, out int valueLength);
        Span<byte> header = stackalloc byte[MetaHeaderRoom + KeyMax];
        var text = new SpanFormatter(header);
        if (withValue)
        {
            text.Append("VA "u8);
            text.Append((ulong)valueLength);
        }
        else
        {
            text.Append("HD"u8);
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (Range token in flagTokens)
        {
            ReadOnlySpan<byte> flag = line[token];
            switch (flag[0])
            {
                case (byte)'c':
                    text.Append(" c"u8);
                    text.Append(cas);
                    break;
                case (byte)'t':
                    text.Append(" t"u8);
                    text.Append(RemainingTtl(exptime, now));
                    break;
                case (byte)'k':
                    text.Append(" k"u8);
                    text.Append(key);
                    break;
                case (byte)'O':
                    text.Append((byte)' ');
                    text.Append(flag);
                    break;
            }
        }
        text.Append("\r\n"u8);
        _out.Write(header[..text.Length]);
        if (withValue)
        {
            _out.WriteLine(digitsOut[..valueLength]);
        }
        return ProcessResult.Progress;
    }

    private ProcessResult MetaDebug(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length < 2 || line[tokens[1]].Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return ProcessResult.Progress;
        }
        bool base64 = tokens.Length > 2 && line[tokens[2]].SequenceEqual("b"u8);
        Span<byte> keyBuffer = stackalloc byte[KeyMax];
        if (!TryMetaKey(line[tokens[1]], base64, keyBuffer, out ReadOnlySpan<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return ProcessResult.Progress;
        }
        if (_store.Get(key, Span<byte>.Empty, out CacheItemInfo info) is not (CacheStatus.Ok or CacheStatus.BufferTooSmall))
        {
            _out.WriteLine("EN"u8);
            return ProcessResult.Progress;
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _out.Write("ME "u8);
        _out.Write(line[tokens[1]]);
        _out.Write(" exp="u8);
        _out.WriteDecimal(RemainingTtl(info.Exptime, now));
        _out.Write(" la="u8);
        _out.WriteDecimal(Math.Max(0, now - info.LastAccess));
        _out.Write(" cas="u8);
        _out.WriteDecimal(info.Cas);
        _out.Write(info.Fetched ? " fetch=yes"u8 : " fetch=no"u8);
        _out.WriteCrLf();
        return ProcessResult.Progress;
    }

    /// <summary>
    /// A status code with the return flags memcached echoes on every outcome: k and O, and c when the
    /// command reports a CAS (<paramref name="cas"/> not null; 0 when nothing was stored).
    /// </summary>
    /// The key goes back as sent (still base64 with <c>b</c>, which is then echoed after it).
    private void WriteMetaStatus(ReadOnlySpan<byte> code, ReadOnlySpan<byte> line, ReadOnlySpan<Range> flagTokens, ReadOnlySpan<byte> keyToken, bool base64, ulong? cas)
    {
        _out.Write(code);
        foreach (Range token in flagTokens)
        {
            ReadOnlySpan<byte> flag = line[token];
            switch (flag[0])
            {
                case (byte)'c' when cas is { } value:
                    _out.Write(" c"u8);
                    _out.WriteDecimal(value);
                    break;
                case (byte)'k':
                    _out.Write(" k"u8);
                    _out.Write(keyToken);
                    if (base64)
                    {
                        _out.Write(" b"u8);
                    }
                    break;
                case (byte)'O':
                    _out.Write(" "u8);
                    _out.Write(flag);
                    break;
            }
        }
        _out.WriteCrLf();
    }

    private void WriteFlagProblem(MetaFlags.Problem problem, ReadOnlySpan<byte> invalid, ReadOnlySpan<byte> duplicate) =>
        _out.WriteLine(problem switch
        {
            MetaFlags.Problem.Duplicate => duplicate,
            MetaFlags.Problem.OpaqueTooLong => "CLIENT_ERROR opaque token too long"u8,
            _ => invalid,
        });

    private static bool TryMetaSetMode(ReadOnlySpan<byte> token, out CacheStoreMode mode)
    {
        mode = CacheStoreMode.Set;
        if (token.Length != 1)
        {
            return false;
        }
        switch (token[0])
        {
            case (byte)'S': mode = CacheStoreMode.Set; return true;
            case (byte)'E': mode = CacheStoreMode.Add; return true;
            case (byte)'R': mode = CacheStoreMode.Replace; return true;
            case (byte)'A': mode = CacheStoreMode.Append; return true;
            case (byte)'P': mode = CacheStoreMode.Prepend; return true;
            default: return false;
        }
    }

    /// <summary>The key as sent, or decoded from base64 when the <c>b</c> flag is present.</summary>
    private static bool TryMetaKey(ReadOnlySpan<byte> token, bool base64, Span<byte> buffer, out ReadOnlySpan<byte> key)
    {
        if (!base64)
        {
            key = token;
            return true;
        }
        OperationStatus status = Base64.DecodeFromUtf8(token, buffer, out int consumed, out int written);
        key = buffer[..written];
        return status == OperationStatus.Done && consumed == token.Length && written > 0;
    }

    private static long RemainingTtl(long exptime, long now) => exptime == 0 ? -1 : Math.Max(0, exptime - now);
}

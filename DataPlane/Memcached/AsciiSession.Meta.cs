using System.Buffers;
using System.Buffers.Text;

namespace Mnemo.DataPlane;

// The meta commands of memcached 1.6: mg, ms, md, ma, me, mn. Return flags follow the order of the
// request's flags, as memcached's do, and the lease flags come last in memcached's order: Z (a token
// was already sent), X (stale), W (this read won). Leases work as in memcached 1.6.18: mg N vivifies a
// miss and wins, mg R wins when the remaining TTL is below the token, the first read of a stale item
// wins; ms I with a CAS older than the item's stores the value marked stale; md I marks the item
// stale with a new CAS (T sets its TTL). The store keeps the stale/token state per item (the engine
// does), so over a replica set a win is recorded on the replica that served the read (see ReplicaSet).
// E (explicit new CAS on mg N, ms, md I, ma) follows later memcached releases: 1.6.18 refuses it. me
// reports exp, la, cas and fetch; memcached's slab class and item size have no equivalent here.
internal sealed partial class AsciiSession
{
    private const string MetaGetFlags = "bcEfhklNOqRstuvT";
    private const string MetaSetFlags = "bcCEFIkMOqsT";
    private const string MetaDeleteFlags = "bcCEIkOqT";
    private const string MetaArithmeticFlags = "bcCDEJkMNOqtTv";

    /// <summary>Room for "VA len" and every return flag a meta reply can carry (key excluded).</summary>
    private const int MetaHeaderRoom = 256;

    private ValueTask<ProcessResult> ExecuteMeta(byte command, ReadOnlyMemory<byte> lineMemory, ReadOnlySequence<byte> rest)
    {
        switch (command)
        {
            case (byte)'n':
                _out.WriteLine("MN"u8);
                return new(ProcessResult.Progress);
            case (byte)'g':
                return MetaGet(lineMemory);
            case (byte)'s':
                return MetaSet(lineMemory, rest);
            case (byte)'d':
                return MetaDelete(lineMemory);
            case (byte)'a':
                return MetaArithmetic(lineMemory);
            case (byte)'e':
                return MetaDebug(lineMemory);
            default:
                return new(Error());
        }
    }

    private ValueTask<ProcessResult> MetaGet(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length < 2)
        {
            return new(Error());
        }
        _counters.Increment(Counter.CmdMeta);
        if (line[tokens[1]].Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return new(ProcessResult.Progress);
        }
        MetaFlags.Problem problem = MetaFlags.Parse(line, tokens[2..], MetaGetFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid flag"u8, "CLIENT_ERROR duplicate flag"u8);
            return new(ProcessResult.Progress);
        }
        if (!TryMetaKey(lineMemory[tokens[1]], flags.Has('b'), out ReadOnlyMemory<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return new(ProcessResult.Progress);
        }
        int ttl = 0, vivify = 0, recache = 0;
        ulong newCas = 0;
        if ((flags.Has('T') && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl))
            || (flags.Has('N') && !AsciiNumbers.TryParseInt32(line[flags.Vivify], out vivify))
            || (flags.Has('R') && !AsciiNumbers.TryParseInt32(line[flags.Recache], out recache))
            || (flags.Has('E') && !AsciiNumbers.TryParseUInt64(line[flags.NewCas], out newCas)))
        {
            _out.WriteLine("CLIENT_ERROR bad token in command line format"u8);
            return new(ProcessResult.Progress);
        }
        // Every mg is a lease read: in memcached only mg hands out the right to recache (W). memcached applies
        // the flags in the order written; the store is told where T stands against t (which TTL a hit reports),
        // N (which exptime a created item keeps) and R (which TTL the recache window judges).
        var options = new CacheReadOptions(
            flags.Has('T') ? ttl : null, flags.Has('N') ? vivify : null, flags.Has('R') ? recache : null, newCas,
            Lease: true, ExptimeBeforeTouch: flags.Before('t', 'T'), TouchBeforeVivify: flags.Before('T', 'N'),
            RecacheBeforeTouch: flags.Before('R', 'T'), NoValue: !flags.Has('v'));

        _counters.Increment(Counter.CmdGet);
        // Without v only the metadata is used: the store copies (and a remote replica sends) no value.
        IBufferWriter<byte> value = flags.Has('v') ? _value.Begin(MetaHeaderRoom + key.Length, CrLf.Length) : _value.Begin(0, 0);
        ValueTask<CacheResult> read = _store.GetAsync(key, value, options);
        return read.Then(this, (Line: lineMemory, Key: key, Flags: flags), static (session, result, state) =>
            new(session.ReplyMetaGet(result, state.Line.Span, state.Key.Span, state.Flags)));
    }

    private ProcessResult ReplyMetaGet(in CacheResult result, ReadOnlySpan<byte> line, ReadOnlySpan<byte> key, in MetaFlags flags)
    {
        if (result.Status != CacheStatus.Ok)
        {
            if (result.Status != CacheStatus.NotFound)
            {
                _out.WriteLine("SERVER_ERROR unavailable"u8);
                return ProcessResult.Progress;
            }
            _counters.Increment(Counter.GetMisses);
            if (!flags.Has('q'))
            {
                WriteMetaStatus("EN"u8, line, Tokens[2..], line[Tokens[1]], flags.Has('b'), cas: null);
            }
            return ProcessResult.Progress;
        }
        _counters.Increment(Counter.GetHits);
        WriteMetaGetHit(line, Tokens[2..], key, result.Info, flags);
        return ProcessResult.Progress;
    }

    /// <summary>The reply to a hit: VA (with the value read into <see cref="_value"/>) or HD, the return flags asked for, then Z, X, W.</summary>
    private void WriteMetaGetHit(ReadOnlySpan<byte> line, ReadOnlySpan<Range> flagTokens, ReadOnlySpan<byte> key, in CacheItemInfo info, in MetaFlags flags)
    {
        bool withValue = flags.Has('v');
        bool vivified = (info.State & CacheItemState.Vivified) != 0;
        Span<byte> header = stackalloc byte[MetaHeaderRoom + KeyMax];
        var text = new SpanFormatter(header);
        if (withValue)
        {
            text.Append("VA "u8);
            text.Append((ulong)_value.Length);
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
                    text.Append(vivified ? VivifiedTtl(line, info, flags, now) : RemainingTtl(info.Exptime, now));
                    break;
            }
        }
        if ((info.State & CacheItemState.TokenSent) != 0)
        {
            text.Append(" Z"u8);
        }
        if ((info.State & CacheItemState.Stale) != 0)
        {
            text.Append(" X"u8);
        }
        if ((info.State & CacheItemState.Won) != 0)
        {
            text.Append(" W"u8);
        }
        text.Append(CrLf);
        if (withValue)
        {
            _value.Commit(header[..text.Length], CrLf);
        }
        else
        {
            _out.Write(header[..text.Length]);
        }
    }

    private ValueTask<ProcessResult> MetaSet(ReadOnlyMemory<byte> lineMemory, ReadOnlySequence<byte> rest)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length < 2)
        {
            return new(Error());
        }
        _counters.Increment(Counter.CmdMeta);
        if (tokens.Length < 3 || line[tokens[1]].Length > KeyMax
            || !AsciiNumbers.TryParseInt32(line[tokens[2]], out int length) || length < 0 || length > int.MaxValue - 2)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return new(ProcessResult.Progress);
        }
        long blockLength = (long)length + 2;

        // From here on memcached knows the data length, and skips the data block after an error.
        MetaFlags.Problem problem = MetaFlags.Parse(line, tokens[3..], MetaSetFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid flag"u8, "CLIENT_ERROR duplicate flag"u8);
            return SwallowAfterError(rest, blockLength);
        }
        if (!TryMetaKey(lineMemory[tokens[1]], flags.Has('b'), out ReadOnlyMemory<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return SwallowAfterError(rest, blockLength);
        }
        uint clientFlags = 0;
        if (flags.Has('F') && !AsciiNumbers.TryParseFlags(line[flags.ClientFlags], out clientFlags))
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return SwallowAfterError(rest, blockLength);
        }
        int ttl = 0;
        ulong casIn = 0, newCas = 0;
        if ((flags.Has('T') && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl))
            || (flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn))
            || (flags.Has('E') && !AsciiNumbers.TryParseUInt64(line[flags.NewCas], out newCas)))
        {
            _out.WriteLine("CLIENT_ERROR bad token in command line format"u8);
            return SwallowAfterError(rest, blockLength);
        }
        CacheStoreMode mode = CacheStoreMode.Set;
        if (flags.Has('M') && !TryMetaSetMode(line[flags.Mode], out mode))
        {
            _out.WriteLine("CLIENT_ERROR invalid mode for ms M token"u8);
            return SwallowAfterError(rest, blockLength);
        }
        if (length > _store.ItemSizeMax)
        {
            Swallow(rest, blockLength);
            return RefuseTooLarge(mode, key, noreply: false);
        }
        if (rest.Length < blockLength)
        {
            return new(ProcessResult.NeedMoreData);
        }
        _dataConsumed = blockLength;
        ReadOnlyMemory<byte> block = _dataScratch.Contiguous(rest.Slice(0, blockLength));
        if (block.Span[length] != (byte)'\r' || block.Span[length + 1] != (byte)'\n')
        {
            _out.WriteLine("CLIENT_ERROR bad data chunk"u8);
            return new(ProcessResult.Progress);
        }

        _counters.Increment(Counter.CmdSet);
        // As memcached: I counts only where a CAS turns the store into a compare-and-swap (set, replace).
        bool invalidate = flags.Has('I') && flags.Has('C') && mode is CacheStoreMode.Set or CacheStoreMode.Replace;
        return _store.StoreAsync(mode, key, block[..length], clientFlags, ttl, new CacheWriteOptions(casIn, newCas, invalidate))
            .Then(this, (Line: lineMemory, Key: key, Mode: mode, Flags: flags), static (session, result, state) =>
                session.ReplyMetaSet(result, state.Line.Span, state.Key, state.Mode, state.Flags));
    }

    private ValueTask<ProcessResult> SwallowAfterError(in ReadOnlySequence<byte> rest, long blockLength)
    {
        Swallow(rest, blockLength);
        return new(ProcessResult.Progress);
    }

    private ValueTask<ProcessResult> ReplyMetaSet(in CacheResult result, ReadOnlySpan<byte> line, ReadOnlyMemory<byte> key, CacheStoreMode mode, in MetaFlags flags)
    {
        ReadOnlySpan<byte> code;
        switch (result.Status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TotalItems);
                if (flags.Has('q'))
                {
                    return new(ProcessResult.Progress);
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
                return RefuseTooLarge(mode, key, noreply: false);
            default:
                ReplyStoreFailure(result.Status, noreply: false);
                return new(ProcessResult.Progress);
        }
        WriteMetaStatus(code, line, Tokens[3..], line[Tokens[1]], flags.Has('b'), result.Status == CacheStatus.Ok ? result.Cas : 0);
        return new(ProcessResult.Progress);
    }

    private ValueTask<ProcessResult> MetaDelete(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length < 2)
        {
            return new(Error());
        }
        _counters.Increment(Counter.CmdMeta);
        if (line[tokens[1]].Length > KeyMax)
        {
            _out.WriteLine("CLIENT_ERROR bad command line format"u8);
            return new(ProcessResult.Progress);
        }
        MetaFlags.Problem problem = MetaFlags.Parse(line, tokens[2..], MetaDeleteFlags, out MetaFlags flags);
        if (problem != MetaFlags.Problem.None)
        {
            WriteFlagProblem(problem, "CLIENT_ERROR invalid or duplicate flag"u8, "CLIENT_ERROR invalid or duplicate flag"u8);
            return new(ProcessResult.Progress);
        }
        if (!TryMetaKey(lineMemory[tokens[1]], flags.Has('b'), out ReadOnlyMemory<byte> key))
        {
            _out.WriteLine("CLIENT_ERROR error decoding key"u8);
            return new(ProcessResult.Progress);
        }
        ulong casIn = 0, newCas = 0;
        int ttl = 0;
        if ((flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn))
            || (flags.Has('E') && !AsciiNumbers.TryParseUInt64(line[flags.NewCas], out newCas))
            || (flags.Has('T') && !AsciiNumbers.TryParseInt32(line[flags.Ttl], out ttl)))
        {
            _out.WriteLine("CLIENT_ERROR invalid or duplicate flag"u8);
            return new(ProcessResult.Progress);
        }
        // md I keeps the item, stale, with a new CAS and (with T) a new TTL; T means nothing without I.
        bool invalidate = flags.Has('I');
        var options = new CacheWriteOptions(casIn, newCas, invalidate, invalidate && flags.Has('T') ? ttl : null);
        return _store.DeleteAsync(key, options).Then(this, (Line: lineMemory, Flags: flags), static (session, result, state) =>
            new(session.ReplyMetaDelete(result.Status, state.Line.Span, state.Flags)));
    }

    private ProcessResult ReplyMetaDelete(CacheStatus status, ReadOnlySpan<byte> line, in MetaFlags flags)
    {
        ReadOnlySpan<byte> code;
        switch (status)
        {
            case CacheStatus.Ok:
                if (!flags.Has('I'))
                {
                    _counters.Increment(Counter.DeleteHits);
                }
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
        WriteMetaStatus(code, line, Tokens[2..], line[Tokens[1]], flags.Has('b'), cas: null);
        return ProcessResult.Progress;
    }

    // Up to four store calls (update, create, touch, re-read): written as one async method, as meta
    // arithmetic is rare; spans of the line are scoped to the parsing block before any wait.
    private async ValueTask<ProcessResult> MetaArithmetic(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlyMemory<byte> key;
        MetaFlags flags;
        ulong delta = 1, initial = 0, casIn = 0, newCas = 0;
        int vivifyTtl = 0, ttl = 0;
        bool decrement = false;
        {
            ReadOnlySpan<byte> line = lineMemory.Span;
            ReadOnlySpan<Range> tokens = Tokens;
            if (tokens.Length < 2)
            {
                return Error();
            }
            _counters.Increment(Counter.CmdMeta);
            if (line[tokens[1]].Length > KeyMax)
            {
                _out.WriteLine("CLIENT_ERROR bad command line format"u8);
                return ProcessResult.Progress;
            }
            MetaFlags.Problem problem = MetaFlags.Parse(line, tokens[2..], MetaArithmeticFlags, out flags);
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
                || (flags.Has('C') && !AsciiNumbers.TryParseUInt64(line[flags.Cas], out casIn))
                || (flags.Has('E') && !AsciiNumbers.TryParseUInt64(line[flags.NewCas], out newCas)))
            {
                _out.WriteLine("CLIENT_ERROR invalid or duplicate flag"u8);
                return ProcessResult.Progress;
            }
            if (!TryMetaKey(lineMemory[tokens[1]], flags.Has('b'), out key))
            {
                _out.WriteLine("CLIENT_ERROR error decoding key"u8);
                return ProcessResult.Progress;
            }
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
        }

        CacheResult result = await _store.ArithmeticAsync(key, decrement, delta, new CacheWriteOptions(CasIn: casIn, CasNew: newCas));
        bool vivified = false;
        if (result.Status == CacheStatus.NotFound && flags.Has('N'))
        {
            vivified = true;
            System.Buffers.Text.Utf8Formatter.TryFormat(initial, _digits, out int written);
            result = await _store.StoreAsync(CacheStoreMode.Add, key, _digits.AsMemory(0, written), 0, vivifyTtl, new CacheWriteOptions(CasNew: newCas));
            result = result with { Number = initial };
            if (result.Status == CacheStatus.NotStored)
            {
                result = await _store.ArithmeticAsync(key, decrement, delta, new CacheWriteOptions(CasIn: casIn, CasNew: newCas));
            }
        }
        switch (result.Status)
        {
            case CacheStatus.Ok:
                _counters.Increment(decrement ? Counter.DecrHits : Counter.IncrHits);
                break;
            case CacheStatus.NotFound:
                _counters.Increment(decrement ? Counter.DecrMisses : Counter.IncrMisses);
                WriteMetaStatus("NF"u8, lineMemory.Span, Tokens[2..], lineMemory.Span[Tokens[1]], flags.Has('b'), cas: null);
                return ProcessResult.Progress;
            case CacheStatus.NotStored:
                WriteMetaStatus("NS"u8, lineMemory.Span, Tokens[2..], lineMemory.Span[Tokens[1]], flags.Has('b'), cas: null);
                return ProcessResult.Progress;
            case CacheStatus.Exists:
                WriteMetaStatus("EX"u8, lineMemory.Span, Tokens[2..], lineMemory.Span[Tokens[1]], flags.Has('b'), cas: null);
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
            await _store.TouchAsync(key, ttl);
        }

        long exptime = 0;
        if (flags.Has('t'))
        {
            CacheResult after = await _store.GetAsync(key, _value.Begin(0, 0), new CacheReadOptions(NoValue: true));
            if (after.Status == CacheStatus.Ok)
            {
                exptime = after.Info.Exptime;
            }
        }
        // As memcached: q hides a successful reply, except for an item just created by N.
        if (flags.Has('q') && !vivified)
        {
            return ProcessResult.Progress;
        }
        WriteMetaArithmeticReply(lineMemory.Span, Tokens[2..], key.Span, result.Number, result.Cas, exptime, flags.Has('v'));
        return ProcessResult.Progress;
    }

    private void WriteMetaArithmeticReply(ReadOnlySpan<byte> line, ReadOnlySpan<Range> flagTokens, ReadOnlySpan<byte> key, ulong value, ulong cas,
        long exptime, bool withValue)
    {
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(value, digits, out int valueLength);
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
        text.Append(CrLf);
        _out.Write(header[..text.Length]);
        if (withValue)
        {
            _out.WriteLine(digits[..valueLength]);
        }
    }

    private async ValueTask<ProcessResult> MetaDebug(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlyMemory<byte> key;
        {
            ReadOnlySpan<byte> line = lineMemory.Span;
            ReadOnlySpan<Range> tokens = Tokens;
            if (tokens.Length < 2 || line[tokens[1]].Length > KeyMax)
            {
                _out.WriteLine("CLIENT_ERROR bad command line format"u8);
                return ProcessResult.Progress;
            }
            bool base64 = tokens.Length > 2 && line[tokens[2]].SequenceEqual("b"u8);
            if (!TryMetaKey(lineMemory[tokens[1]], base64, out key))
            {
                _out.WriteLine("CLIENT_ERROR error decoding key"u8);
                return ProcessResult.Progress;
            }
        }
        CacheResult result = await _store.GetAsync(key, _value.Begin(0, 0), new CacheReadOptions(NoValue: true));
        if (result.Status != CacheStatus.Ok)
        {
            _out.WriteLine("EN"u8);
            return ProcessResult.Progress;
        }
        CacheItemInfo info = result.Info;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _out.Write("ME "u8);
        _out.Write(lineMemory.Span[Tokens[1]]);
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

    /// <summary>The key as sent, or decoded from base64 (into a buffer of this connection) when the <c>b</c> flag is present.</summary>
    private bool TryMetaKey(ReadOnlyMemory<byte> token, bool base64, out ReadOnlyMemory<byte> key)
    {
        if (!base64)
        {
            key = token;
            return true;
        }
        OperationStatus status = Base64.DecodeFromUtf8(token.Span, _decodedKey, out int consumed, out int written);
        key = _decodedKey.AsMemory(0, written);
        return status == OperationStatus.Done && consumed == token.Length && written > 0;
    }

    private static long RemainingTtl(long exptime, long now) => exptime == 0 ? -1 : Math.Max(0, exptime - now);

    /// <summary>
    /// What t prints for an item this mg created. memcached applies the flags in the order written: the new item starts
    /// without a TTL, then N and T each set one. The store reports the exptime it kept (the later flag's); a t written
    /// between N and T sees the earlier flag's, which the request itself gives.
    /// </summary>
    private static long VivifiedTtl(ReadOnlySpan<byte> line, in CacheItemInfo info, in MetaFlags flags, long now)
    {
        bool afterVivify = flags.Before('N', 't'), afterTouch = flags.Before('T', 't');
        if (!afterVivify && !afterTouch)
        {
            return -1;
        }
        if (afterVivify == afterTouch || !flags.Has('T'))
        {
            return RemainingTtl(info.Exptime, now);
        }
        // Parsed once already in MetaGet; this path runs only for a vivifying mg with t between N and T.
        AsciiNumbers.TryParseInt32(line[afterVivify ? flags.Vivify : flags.Ttl], out int ttl);
        return RemainingTtl(RequestedExptime(ttl, now), now);
    }

    /// <summary>Longest exptime memcached reads as relative seconds (30 days); larger ones are unix times.</summary>
    private const long RelativeExptimeMax = 60 * 60 * 24 * 30;

    /// <summary>The absolute exptime a TTL given now stands for (memcached's rules; negative is long past).</summary>
    private static long RequestedExptime(long ttl, long now) => ttl switch
    {
        0 => 0,
        < 0 => 1,
        <= RelativeExptimeMax => now + ttl,
        _ => ttl,
    };
}

using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using static Mnemo.DataPlane.BinaryProtocol;

namespace Mnemo.DataPlane;

/// <summary>
/// One connection speaking memcached's binary protocol. A packet is handled once its header and
/// body are both buffered; values are read from the store straight into the reply (the reply header
/// has a fixed length, so the value lands at its final place). Key and value are slices of the
/// buffered packet (or of a pooled copy when it straddles segments), held until the store answers;
/// commands continue as in <see cref="AsciiSession"/>, synchronously when the store already has.
/// </summary>
internal sealed class BinarySession : IProtocolSession
{
    /// <summary>Largest body accepted for a command that stores nothing (key, extras, stat group).</summary>
    private const int MaxControlBody = 64 * 1024;

    private readonly IAsyncCacheStore _store;
    private readonly ResponseWriter _out;
    private readonly ValueReplyWriter _value;
    private readonly GatewayStats _stats;
    private readonly ConnectionCounters _counters;
    private readonly MemcachedGatewayOptions _options;
    private readonly ScratchBuffer _scratch = new();
    private readonly byte[] _digits = new byte[20];
    private long _swallowRemaining;

    public BinarySession(IAsyncCacheStore store, ResponseWriter output, GatewayStats stats, ConnectionCounters counters, MemcachedGatewayOptions options)
    {
        _store = store;
        _out = output;
        _value = new ValueReplyWriter(output);
        _stats = stats;
        _counters = counters;
        _options = options;
    }

    /// <summary>The fields of a request header.</summary>
    private readonly struct Request
    {
        public Request(ReadOnlySpan<byte> header)
        {
            Opcode = header[1];
            KeyLength = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
            ExtrasLength = header[4];
            BodyLength = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
            Opaque = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
            Cas = BinaryPrimitives.ReadUInt64BigEndian(header[16..]);
        }

        public byte Opcode { get; }
        public int KeyLength { get; }
        public int ExtrasLength { get; }
        public uint BodyLength { get; }
        public uint Opaque { get; }
        public ulong Cas { get; }
        public long ValueLength => BodyLength - KeyLength - ExtrasLength;
    }

    public ValueTask<ProcessStep> ProcessAsync(ReadOnlySequence<byte> buffer)
    {
        if (_swallowRemaining > 0)
        {
            long skip = Math.Min(_swallowRemaining, buffer.Length);
            _swallowRemaining -= skip;
            return new(new ProcessStep(_swallowRemaining > 0 ? ProcessResult.NeedMoreData : ProcessResult.Progress, skip));
        }
        if (buffer.Length < HeaderLength)
        {
            return new(new ProcessStep(ProcessResult.NeedMoreData, 0));
        }
        Span<byte> headerBytes = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(headerBytes);
        if (headerBytes[0] != RequestMagic)
        {
            return new(new ProcessStep(ProcessResult.Close, 0)); // as memcached: a connection out of sync cannot recover
        }
        var request = new Request(headerBytes);
        if (request.KeyLength + request.ExtrasLength > request.BodyLength || request.KeyLength > AsciiSession.KeyMax)
        {
            WriteError(request, Status.InvalidArguments);
            return new(new ProcessStep(ProcessResult.Close, 0));
        }
        if (!IsStorage(request.Opcode) && request.BodyLength > MaxControlBody)
        {
            // Only storage commands carry values; a huge body elsewhere is not worth buffering.
            WriteError(request, Status.InvalidArguments);
            return new(new ProcessStep(ProcessResult.Close, 0));
        }
        if (IsStorage(request.Opcode) && request.ValueLength > _store.ItemSizeMax && request.ExtrasLength + request.KeyLength + HeaderLength <= buffer.Length)
        {
            // Refuse an oversized value without buffering it: skip the body as it arrives.
            ReadOnlyMemory<byte> key = _scratch.Contiguous(buffer.Slice(HeaderLength + request.ExtrasLength, request.KeyLength));
            long total = HeaderLength + (long)request.BodyLength;
            long consumed = Math.Min(total, buffer.Length);
            _swallowRemaining = total - consumed;
            return Complete(RefuseTooLarge(request, key), consumed);
        }
        long packetLength = HeaderLength + (long)request.BodyLength;
        if (buffer.Length < packetLength)
        {
            return new(new ProcessStep(ProcessResult.NeedMoreData, 0));
        }

        ReadOnlyMemory<byte> body = _scratch.Contiguous(buffer.Slice(HeaderLength, request.BodyLength));
        _counters.Add(Counter.BytesRead, packetLength);
        return Complete(Execute(request, body), packetLength);
    }

    /// <summary>Ends a command once the store has answered: the scratch copy of its body is no longer referenced.</summary>
    private ValueTask<ProcessStep> Complete(ValueTask<ProcessResult> command, long consumed)
    {
        if (command.IsCompletedSuccessfully)
        {
            _scratch.Release();
            return new(new ProcessStep(command.Result, consumed));
        }
        return CompleteAsync(command, consumed);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ProcessStep> CompleteAsync(ValueTask<ProcessResult> command, long consumed)
    {
        ProcessResult result = await command;
        _scratch.Release();
        return new ProcessStep(result, consumed);
    }

    private static bool IsStorage(byte opcode) => opcode is Opcode.Set or Opcode.SetQ or Opcode.Add or Opcode.AddQ
        or Opcode.Replace or Opcode.ReplaceQ or Opcode.Append or Opcode.AppendQ or Opcode.Prepend or Opcode.PrependQ;

    private ValueTask<ProcessResult> Execute(Request request, ReadOnlyMemory<byte> body)
    {
        ReadOnlyMemory<byte> key = body.Slice(request.ExtrasLength, request.KeyLength);
        ReadOnlyMemory<byte> value = body[(request.ExtrasLength + request.KeyLength)..];
        ReadOnlySpan<byte> extras = body.Span[..request.ExtrasLength];

        switch (request.Opcode)
        {
            case Opcode.Get or Opcode.GetQ or Opcode.GetK or Opcode.GetKQ:
                return Invalid(request, extras.Length == 0 && key.Length > 0 && value.Length == 0)
                    ?? Get(request, key, touch: false, 0);
            case Opcode.Touch or Opcode.Gat or Opcode.GatQ or Opcode.GatK or Opcode.GatKQ:
                return Invalid(request, extras.Length == 4 && key.Length > 0 && value.Length == 0)
                    ?? Get(request, key, touch: true, BinaryPrimitives.ReadUInt32BigEndian(extras));
            case Opcode.Set or Opcode.SetQ or Opcode.Add or Opcode.AddQ or Opcode.Replace or Opcode.ReplaceQ:
                return Invalid(request, extras.Length == 8 && key.Length > 0)
                    ?? Store(request, key, value, BinaryPrimitives.ReadUInt32BigEndian(extras), BinaryPrimitives.ReadUInt32BigEndian(extras[4..]));
            case Opcode.Append or Opcode.AppendQ or Opcode.Prepend or Opcode.PrependQ:
                return Invalid(request, extras.Length == 0 && key.Length > 0)
                    ?? Store(request, key, value, 0, 0);
            case Opcode.Delete or Opcode.DeleteQ:
                return Invalid(request, extras.Length == 0 && key.Length > 0 && value.Length == 0)
                    ?? Delete(request, key);
            case Opcode.Increment or Opcode.IncrementQ or Opcode.Decrement or Opcode.DecrementQ:
                return Invalid(request, extras.Length == 20 && key.Length > 0 && value.Length == 0)
                    ?? Arithmetic(request, key, BinaryPrimitives.ReadUInt64BigEndian(extras), BinaryPrimitives.ReadUInt64BigEndian(extras[8..]),
                        BinaryPrimitives.ReadUInt32BigEndian(extras[16..]));
            case Opcode.Quit:
                WriteResponse(request, Status.Success, 0, default, default, default);
                return new(ProcessResult.Close);
            case Opcode.QuitQ:
                return new(ProcessResult.Close);
            case Opcode.Flush or Opcode.FlushQ:
                return Invalid(request, (extras.Length is 0 or 4) && key.Length == 0 && value.Length == 0)
                    ?? Flush(request, extras.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(extras) : 0);
            case Opcode.Noop:
                return Invalid(request, body.Length == 0) ?? Respond(request, Status.Success);
            case Opcode.Version:
                if (Invalid(request, body.Length == 0) is { } invalidVersion)
                {
                    return invalidVersion;
                }
                WriteResponse(request, Status.Success, 0, default, default, Encoding.ASCII.GetBytes(_options.Version));
                return new(ProcessResult.Progress);
            case Opcode.Stat:
                return Invalid(request, extras.Length == 0 && value.Length == 0) ?? Stats(request, Encoding.ASCII.GetString(key.Span));
            default:
                // Includes VERBOSITY, which memcached 1.6 does not implement in the binary protocol either.
                WriteError(request, Status.UnknownCommand);
                return new(ProcessResult.Progress);
        }
    }

    /// <summary>null when the packet's shape is valid for its opcode; else the EINVAL reply and close memcached sends.</summary>
    private ValueTask<ProcessResult>? Invalid(in Request request, bool valid)
    {
        if (valid)
        {
            return null;
        }
        WriteError(request, Status.InvalidArguments);
        return new ValueTask<ProcessResult>(ProcessResult.Close);
    }

    private ValueTask<ProcessResult> Respond(in Request request, Status status)
    {
        WriteResponse(request, status, 0, default, default, default);
        return new(ProcessResult.Progress);
    }

    private async ValueTask<ProcessResult> RefuseTooLarge(Request request, ReadOnlyMemory<byte> key)
    {
        if (request.Opcode is Opcode.Set or Opcode.SetQ)
        {
            // As memcached: a failed set must not leave the old value readable.
            await _store.DeleteAsync(key);
        }
        _counters.Increment(Counter.StoreTooLarge);
        WriteError(request, Status.TooLarge);
        return ProcessResult.Progress;
    }

    private ValueTask<ProcessResult> Get(in Request request, ReadOnlyMemory<byte> key, bool touch, long exptime)
    {
        byte opcode = request.Opcode;
        bool returnKey = opcode is Opcode.GetK or Opcode.GetKQ or Opcode.GatK or Opcode.GatKQ;
        bool returnValue = opcode != Opcode.Touch;
        _counters.Increment(touch ? Counter.CmdTouch : Counter.CmdGet);

        // The reply header has a fixed length, so the value is read straight to its final place. Touch
        // uses only the metadata: the store copies (and a remote replica sends) no value.
        IBufferWriter<byte> value = returnValue ? _value.Begin(HeaderLength + 4 + (returnKey ? key.Length : 0), 0) : _value.Begin(0, 0);
        ValueTask<CacheResult> read = _store.GetAsync(key, value, touch ? new CacheReadOptions(TouchExptime: exptime, NoValue: !returnValue) : default);
        return read.Then(this, (Request: request, Key: key, Touch: touch), static (session, result, state) =>
            new(session.ReplyGet(result, state.Request, state.Key.Span, state.Touch)));
    }

    private ProcessResult ReplyGet(in CacheResult result, in Request request, ReadOnlySpan<byte> key, bool touch)
    {
        byte opcode = request.Opcode;
        bool quiet = opcode is Opcode.GetQ or Opcode.GetKQ or Opcode.GatQ or Opcode.GatKQ;
        bool returnKey = opcode is Opcode.GetK or Opcode.GetKQ or Opcode.GatK or Opcode.GatKQ;
        if (result.Status == CacheStatus.Ok)
        {
            _counters.Increment(touch ? Counter.TouchHits : Counter.GetHits);
            WriteHit(request, returnKey ? key : default, result.Info, withValue: opcode != Opcode.Touch);
            return ProcessResult.Progress;
        }
        if (result.Status != CacheStatus.NotFound)
        {
            WriteError(request, Status.OutOfMemory);
            return ProcessResult.Progress;
        }
        _counters.Increment(touch ? Counter.TouchMisses : Counter.GetMisses);
        if (!quiet)
        {
            if (returnKey)
            {
                // memcached answers a GETK miss with the key instead of the error text.
                WriteResponse(request, Status.KeyNotFound, key.Length, default, key, default);
            }
            else
            {
                WriteError(request, Status.KeyNotFound);
            }
        }
        return ProcessResult.Progress;
    }

    /// <summary>A successful get: header, flags, the key when asked for, and the value read into <see cref="_value"/> when there is one.</summary>
    private void WriteHit(in Request request, ReadOnlySpan<byte> key, in CacheItemInfo info, bool withValue)
    {
        int valueLength = withValue ? _value.Length : 0;
        Span<byte> header = stackalloc byte[HeaderLength + 4 + AsciiSession.KeyMax];
        int headerLength = HeaderLength + 4 + key.Length;
        WriteHeader(header, request, Status.Success, key.Length, 4, 4 + key.Length + valueLength, info.Cas);
        BinaryPrimitives.WriteUInt32BigEndian(header[HeaderLength..], info.Flags);
        key.CopyTo(header[(HeaderLength + 4)..]);
        if (withValue)
        {
            _value.Commit(header[..headerLength], default);
        }
        else
        {
            _out.Write(header[..headerLength]);
        }
    }

    private ValueTask<ProcessResult> Store(in Request request, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime)
    {
        byte opcode = request.Opcode;
        CacheStoreMode mode = opcode switch
        {
            Opcode.Set or Opcode.SetQ => CacheStoreMode.Set,
            Opcode.Add or Opcode.AddQ => CacheStoreMode.Add,
            Opcode.Replace or Opcode.ReplaceQ => CacheStoreMode.Replace,
            Opcode.Append or Opcode.AppendQ => CacheStoreMode.Append,
            _ => CacheStoreMode.Prepend,
        };
        // As memcached: set/add/replace with a CAS become a compare-and-swap.
        if (request.Cas != 0 && mode is CacheStoreMode.Set or CacheStoreMode.Add or CacheStoreMode.Replace)
        {
            mode = CacheStoreMode.Cas;
        }
        _counters.Increment(Counter.CmdSet);
        return _store.StoreAsync(mode, key, value, flags, exptime, new CacheWriteOptions(CasIn: request.Cas)).Then(this, (Request: request, Key: key, Mode: mode),
            static (session, result, state) => session.ReplyStored(result, state.Request, state.Key, state.Mode));
    }

    private ValueTask<ProcessResult> ReplyStored(in CacheResult result, in Request request, ReadOnlyMemory<byte> key, CacheStoreMode mode)
    {
        bool quiet = request.Opcode is Opcode.SetQ or Opcode.AddQ or Opcode.ReplaceQ or Opcode.AppendQ or Opcode.PrependQ;
        switch (result.Status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TotalItems);
                if (!quiet)
                {
                    WriteResponse(request, Status.Success, 0, default, default, default, result.Cas);
                }
                return new(ProcessResult.Progress);
            case CacheStatus.Exists:
                WriteError(request, Status.KeyExists);
                return new(ProcessResult.Progress);
            case CacheStatus.NotFound:
                WriteError(request, Status.KeyNotFound);
                return new(ProcessResult.Progress);
            case CacheStatus.NotStored:
                WriteError(request, mode switch
                {
                    CacheStoreMode.Add => Status.KeyExists,
                    CacheStoreMode.Replace => Status.KeyNotFound,
                    _ => Status.NotStored,
                });
                return new(ProcessResult.Progress);
            case CacheStatus.TooLarge:
                return RefuseTooLarge(request, key);
            default:
                _counters.Increment(Counter.StoreNoMemory);
                WriteError(request, Status.OutOfMemory);
                return new(ProcessResult.Progress);
        }
    }

    private ValueTask<ProcessResult> Delete(in Request request, ReadOnlyMemory<byte> key) =>
        _store.DeleteAsync(key, new CacheWriteOptions(CasIn: request.Cas)).Then(this, request, static (session, result, request) => new(session.ReplyDeleted(result.Status, request)));

    private ProcessResult ReplyDeleted(CacheStatus status, in Request request)
    {
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.DeleteHits);
                if (request.Opcode != Opcode.DeleteQ)
                {
                    WriteResponse(request, Status.Success, 0, default, default, default);
                }
                break;
            case CacheStatus.NotFound:
                _counters.Increment(Counter.DeleteMisses);
                WriteError(request, Status.KeyNotFound);
                break;
            case CacheStatus.Exists:
                WriteError(request, Status.KeyExists);
                break;
            default:
                WriteError(request, Status.OutOfMemory);
                break;
        }
        return ProcessResult.Progress;
    }

    private ValueTask<ProcessResult> Arithmetic(in Request request, ReadOnlyMemory<byte> key, ulong delta, ulong initial, uint exptime) =>
        Increment(new ArithmeticRequest(request, key, delta, initial, exptime));

    /// <summary>An incr/decr request, carried through the steps that may create the item first.</summary>
    private readonly record struct ArithmeticRequest(Request Request, ReadOnlyMemory<byte> Key, ulong Delta, ulong Initial, uint Exptime)
    {
        public bool Decrement => Request.Opcode is Opcode.Decrement or Opcode.DecrementQ;
    }

    private ValueTask<ProcessResult> Increment(in ArithmeticRequest request) =>
        _store.ArithmeticAsync(request.Key, request.Decrement, request.Delta, new CacheWriteOptions(CasIn: request.Request.Cas))
            .Then(this, request, static (session, result, request) =>
        {
            // A miss creates the item with the initial value, unless the expiration is all ones.
            if (result.Status != CacheStatus.NotFound || request.Exptime == uint.MaxValue)
            {
                return new(session.ReplyArithmetic(result, request));
            }
            System.Buffers.Text.Utf8Formatter.TryFormat(request.Initial, session._digits, out int written);
            return session._store.StoreAsync(CacheStoreMode.Add, request.Key, session._digits.AsMemory(0, written), 0, request.Exptime)
                .Then(session, request, static (session, created, request) => created.Status == CacheStatus.NotStored
                    // Another client created it meanwhile: apply the delta to theirs.
                    ? session._store.ArithmeticAsync(request.Key, request.Decrement, request.Delta, new CacheWriteOptions(CasIn: request.Request.Cas))
                        .Then(session, request, static (session, result, request) => new(session.ReplyArithmetic(result, request)))
                    : new(session.ReplyArithmetic(created with { Number = request.Initial }, request)));
        });

    private ProcessResult ReplyArithmetic(in CacheResult result, in ArithmeticRequest arithmetic)
    {
        Request request = arithmetic.Request;
        switch (result.Status)
        {
            case CacheStatus.Ok:
                _counters.Increment(arithmetic.Decrement ? Counter.DecrHits : Counter.IncrHits);
                if (request.Opcode is not (Opcode.IncrementQ or Opcode.DecrementQ))
                {
                    WriteNumber(request, result.Number, result.Cas);
                }
                break;
            case CacheStatus.NotFound:
                _counters.Increment(arithmetic.Decrement ? Counter.DecrMisses : Counter.IncrMisses);
                WriteError(request, Status.KeyNotFound);
                break;
            case CacheStatus.NonNumeric:
                WriteError(request, Status.NonNumeric);
                break;
            case CacheStatus.Exists:
                WriteError(request, Status.KeyExists);
                break;
            default:
                WriteError(request, Status.OutOfMemory);
                break;
        }
        return ProcessResult.Progress;
    }

    private void WriteNumber(in Request request, ulong value, ulong cas)
    {
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, value);
        WriteResponse(request, Status.Success, 0, default, default, number, cas);
    }

    private async ValueTask<ProcessResult> Flush(Request request, long delay)
    {
        _counters.Increment(Counter.CmdFlush);
        CacheResult result = await _store.FlushAsync(delay);
        if (result.Status != CacheStatus.Ok)
        {
            WriteError(request, Status.OutOfMemory);
        }
        else if (request.Opcode != Opcode.FlushQ)
        {
            WriteResponse(request, Status.Success, 0, default, default, default);
        }
        return ProcessResult.Progress;
    }

    private async ValueTask<ProcessResult> Stats(Request request, string group)
    {
        if (group == "reset")
        {
            _stats.Reset();
        }
        else
        {
            IReadOnlyList<KeyValuePair<string, string>>? report = await StatsReport.BuildAsync(group, _stats, _store, _options, _counters);
            if (report is null)
            {
                WriteError(request, Status.KeyNotFound);
                return ProcessResult.Progress;
            }
            foreach ((string name, string value) in report)
            {
                byte[] nameBytes = Encoding.ASCII.GetBytes(name);
                WriteResponse(request, Status.Success, nameBytes.Length, default, nameBytes, Encoding.ASCII.GetBytes(value));
            }
        }
        // An empty response ends the list.
        WriteResponse(request, Status.Success, 0, default, default, default);
        return ProcessResult.Progress;
    }

    private void WriteError(in Request request, Status status) =>
        WriteResponse(request, status, 0, default, default, ErrorText(status));

    private void WriteResponse(in Request request, Status status, int keyLength, ReadOnlySpan<byte> extras, ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> value, ulong cas = 0)
    {
        int bodyLength = extras.Length + key.Length + value.Length;
        Span<byte> span = _out.GetSpan(HeaderLength + bodyLength);
        WriteHeader(span, request, status, keyLength, extras.Length, bodyLength, cas);
        int offset = HeaderLength;
        extras.CopyTo(span[offset..]);
        offset += extras.Length;
        key.CopyTo(span[offset..]);
        offset += key.Length;
        value.CopyTo(span[offset..]);
        _out.Advance(HeaderLength + bodyLength);
    }

    private static void WriteHeader(Span<byte> span, in Request request, Status status, int keyLength, int extrasLength, int bodyLength, ulong cas)
    {
        span[0] = ResponseMagic;
        span[1] = request.Opcode;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)keyLength);
        span[4] = (byte)extrasLength;
        span[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)status);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)bodyLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], request.Opaque);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], cas);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Mnemo.Grains.Interfaces.Memshack;
using static Mnemo.Silo.Gateways.Memcached.BinaryProtocol;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>
/// One connection speaking memcached's binary protocol. A packet is handled once its header and
/// body are both buffered; values are read from the store straight into the reply (the reply header
/// has a fixed length, so the value lands at its final place).
/// </summary>
internal sealed class BinarySession : IProtocolSession
{
    /// <summary>Largest body accepted for a command that stores nothing (key, extras, stat group).</summary>
    private const int MaxControlBody = 64 * 1024;

    private readonly ICacheStore _store;
    private readonly ResponseWriter _out;
    private readonly GatewayStats _stats;
    private readonly ConnectionCounters _counters;
    private readonly MemcachedGatewayOptions _options;
    private readonly ScratchBuffer _scratch = new();
    private long _swallowRemaining;

    public BinarySession(ICacheStore store, ResponseWriter output, GatewayStats stats, ConnectionCounters counters, MemcachedGatewayOptions options)
    {
        _store = store;
        _out = output;
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

    public ProcessResult Process(ref ReadOnlySequence<byte> buffer)
    {
        if (_swallowRemaining > 0)
        {
            long skip = Math.Min(_swallowRemaining, buffer.Length);
            buffer = buffer.Slice(skip);
            _swallowRemaining -= skip;
            return _swallowRemaining > 0 ? ProcessResult.NeedMoreData : ProcessResult.Progress;
        }
        if (buffer.Length < HeaderLength)
        {
            return ProcessResult.NeedMoreData;
        }
        Span<byte> headerBytes = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(headerBytes);
        if (headerBytes[0] != RequestMagic)
        {
            return ProcessResult.Close; // as memcached: a connection out of sync cannot recover
        }
        var request = new Request(headerBytes);
        if (request.KeyLength + request.ExtrasLength > request.BodyLength || request.KeyLength > AsciiSession.KeyMax)
        {
            WriteError(request, Status.InvalidArguments);
            return ProcessResult.Close;
        }
        if (!IsStorage(request.Opcode) && request.BodyLength > MaxControlBody)
        {
            // Only storage commands carry values; a huge body elsewhere is not worth buffering.
            WriteError(request, Status.InvalidArguments);
            return ProcessResult.Close;
        }
        if (IsStorage(request.Opcode) && request.ValueLength > _store.ItemSizeMax && request.ExtrasLength + request.KeyLength + HeaderLength <= buffer.Length)
        {
            // Refuse an oversized value without buffering it: skip the body as it arrives.
            ReadOnlySequence<byte> keyBytes = buffer.Slice(HeaderLength + request.ExtrasLength, request.KeyLength);
            Span<byte> key = stackalloc byte[request.KeyLength];
            keyBytes.CopyTo(key);
            if (request.Opcode is Opcode.Set or Opcode.SetQ)
            {
                _store.Delete(key, 0);
            }
            _counters.Increment(Counter.StoreTooLarge);
            WriteError(request, Status.TooLarge);
            long total = HeaderLength + (long)request.BodyLength;
            long consumed = Math.Min(total, buffer.Length);
            buffer = buffer.Slice(consumed);
            _swallowRemaining = total - consumed;
            return ProcessResult.Progress;
        }
        long packetLength = HeaderLength + (long)request.BodyLength;
        if (buffer.Length < packetLength)
        {
            return ProcessResult.NeedMoreData;
        }

        ReadOnlySequence<byte> bodyBytes = buffer.Slice(HeaderLength, request.BodyLength);
        ReadOnlySpan<byte> body = _scratch.Contiguous(bodyBytes);
        _counters.Add(Counter.BytesRead, packetLength);
        buffer = buffer.Slice(packetLength);
        ProcessResult result = Execute(request, body);
        _scratch.Release();
        return result;
    }

    private static bool IsStorage(byte opcode) => opcode is Opcode.Set or Opcode.SetQ or Opcode.Add or Opcode.AddQ
        or Opcode.Replace or Opcode.ReplaceQ or Opcode.Append or Opcode.AppendQ or Opcode.Prepend or Opcode.PrependQ;

    private ProcessResult Execute(in Request request, ReadOnlySpan<byte> body)
    {
        ReadOnlySpan<byte> extras = body[..request.ExtrasLength];
        ReadOnlySpan<byte> key = body.Slice(request.ExtrasLength, request.KeyLength);
        ReadOnlySpan<byte> value = body[(request.ExtrasLength + request.KeyLength)..];

        switch (request.Opcode)
        {
            case Opcode.Get or Opcode.GetQ or Opcode.GetK or Opcode.GetKQ:
                return Valid(request, extras.Length == 0 && key.Length > 0 && value.Length == 0)
                    ?? Get(request, key, touch: false, 0);
            case Opcode.Touch or Opcode.Gat or Opcode.GatQ or Opcode.GatK or Opcode.GatKQ:
                return Valid(request, extras.Length == 4 && key.Length > 0 && value.Length == 0)
                    ?? Get(request, key, touch: true, BinaryPrimitives.ReadUInt32BigEndian(extras));
            case Opcode.Set or Opcode.SetQ or Opcode.Add or Opcode.AddQ or Opcode.Replace or Opcode.ReplaceQ:
                return Valid(request, extras.Length == 8 && key.Length > 0)
                    ?? Store(request, key, value, BinaryPrimitives.ReadUInt32BigEndian(extras), BinaryPrimitives.ReadUInt32BigEndian(extras[4..]));
            case Opcode.Append or Opcode.AppendQ or Opcode.Prepend or Opcode.PrependQ:
                return Valid(request, extras.Length == 0 && key.Length > 0)
                    ?? Store(request, key, value, 0, 0);
            case Opcode.Delete or Opcode.DeleteQ:
                return Valid(request, extras.Length == 0 && key.Length > 0 && value.Length == 0)
                    ?? Delete(request, key);
            case Opcode.Increment or Opcode.IncrementQ or Opcode.Decrement or Opcode.DecrementQ:
                return Valid(request, extras.Length == 20 && key.Length > 0 && value.Length == 0)
                    ?? Arithmetic(request, key, extras);
            case Opcode.Quit:
                WriteResponse(request, Status.Success, 0, default, default, default);
                return ProcessResult.Close;
            case Opcode.QuitQ:
                return ProcessResult.Close;
            case Opcode.Flush or Opcode.FlushQ:
                return Valid(request, (extras.Length is 0 or 4) && key.Length == 0 && value.Length == 0)
                    ?? Flush(request, extras.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(extras) : 0);
            case Opcode.Noop:
                return Valid(request, body.Length == 0) ?? Respond(request, Status.Success);
            case Opcode.Version:
                if (Valid(request, body.Length == 0) is { } invalidVersion)
                {
                    return invalidVersion;
                }
                WriteResponse(request, Status.Success, 0, default, default, Encoding.ASCII.GetBytes(_options.Version));
                return ProcessResult.Progress;
            case Opcode.Stat:
                return Valid(request, extras.Length == 0 && value.Length == 0) ?? Stats(request, key);
            default:
                // Includes VERBOSITY, which memcached 1.6 does not implement in the binary protocol either.
                WriteError(request, Status.UnknownCommand);
                return ProcessResult.Progress;
        }
    }

    /// <summary>null when the packet's shape is valid for its opcode; else the EINVAL reply and close memcached sends.</summary>
    private ProcessResult? Valid(in Request request, bool valid)
    {
        if (valid)
        {
            return null;
        }
        WriteError(request, Status.InvalidArguments);
        return ProcessResult.Close;
    }

    private ProcessResult Respond(in Request request, Status status)
    {
        WriteResponse(request, status, 0, default, default, default);
        return ProcessResult.Progress;
    }

    private ProcessResult Get(in Request request, ReadOnlySpan<byte> key, bool touch, long exptime)
    {
        byte opcode = request.Opcode;
        bool quiet = opcode is Opcode.GetQ or Opcode.GetKQ or Opcode.GatQ or Opcode.GatKQ;
        bool returnKey = opcode is Opcode.GetK or Opcode.GetKQ or Opcode.GatK or Opcode.GatKQ;
        bool returnValue = opcode != Opcode.Touch;
        _counters.Increment(touch ? Counter.CmdTouch : Counter.CmdGet);

        int keyLength = returnKey ? key.Length : 0;
        int valueOffset = HeaderLength + 4 + keyLength;
        int sizeHint = valueOffset;
        Span<byte> span;
        CacheItemInfo info;
        CacheStatus status;
        while (true)
        {
            span = _out.GetSpan(sizeHint);
            Span<byte> valueArea = returnValue ? span[valueOffset..] : Span<byte>.Empty;
            status = touch ? _store.GetAndTouch(key, exptime, valueArea, out info) : _store.Get(key, valueArea, out info);
            if (status != CacheStatus.BufferTooSmall || !returnValue)
            {
                break;
            }
            sizeHint = valueOffset + info.ValueLength;
        }

        if (status is CacheStatus.Ok or CacheStatus.BufferTooSmall)
        {
            _counters.Increment(touch ? Counter.TouchHits : Counter.GetHits);
            int valueLength = returnValue ? info.ValueLength : 0;
            WriteHeader(span, request, Status.Success, keyLength, 4, 4 + keyLength + valueLength, info.Cas);
            BinaryPrimitives.WriteUInt32BigEndian(span[HeaderLength..], info.Flags);
            if (returnKey)
            {
                key.CopyTo(span[(HeaderLength + 4)..]);
            }
            _out.Advance(valueOffset + valueLength);
            return ProcessResult.Progress;
        }
        if (status != CacheStatus.NotFound)
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

    private ProcessResult Store(in Request request, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags, long exptime)
    {
        byte opcode = request.Opcode;
        bool quiet = opcode is Opcode.SetQ or Opcode.AddQ or Opcode.ReplaceQ or Opcode.AppendQ or Opcode.PrependQ;
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
        CacheStatus status = _store.Store(mode, key, value, flags, exptime, request.Cas, out ulong cas);
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TotalItems);
                if (!quiet)
                {
                    WriteResponse(request, Status.Success, 0, default, default, default, cas);
                }
                return ProcessResult.Progress;
            case CacheStatus.Exists:
                WriteError(request, Status.KeyExists);
                return ProcessResult.Progress;
            case CacheStatus.NotFound:
                WriteError(request, Status.KeyNotFound);
                return ProcessResult.Progress;
            case CacheStatus.NotStored:
                WriteError(request, mode switch
                {
                    CacheStoreMode.Add => Status.KeyExists,
                    CacheStoreMode.Replace => Status.KeyNotFound,
                    _ => Status.NotStored,
                });
                return ProcessResult.Progress;
            case CacheStatus.TooLarge:
                _counters.Increment(Counter.StoreTooLarge);
                if (mode == CacheStoreMode.Set)
                {
                    _store.Delete(key, 0);
                }
                WriteError(request, Status.TooLarge);
                return ProcessResult.Progress;
            default:
                _counters.Increment(Counter.StoreNoMemory);
                WriteError(request, Status.OutOfMemory);
                return ProcessResult.Progress;
        }
    }

    private ProcessResult Delete(in Request request, ReadOnlySpan<byte> key)
    {
        switch (_store.Delete(key, request.Cas))
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

    private ProcessResult Arithmetic(in Request request, ReadOnlySpan<byte> key, ReadOnlySpan<byte> extras)
    {
        bool decrement = request.Opcode is Opcode.Decrement or Opcode.DecrementQ;
        bool quiet = request.Opcode is Opcode.IncrementQ or Opcode.DecrementQ;
        ulong delta = BinaryPrimitives.ReadUInt64BigEndian(extras);
        ulong initial = BinaryPrimitives.ReadUInt64BigEndian(extras[8..]);
        uint exptime = BinaryPrimitives.ReadUInt32BigEndian(extras[16..]);

        if (request.Cas != 0 && _store.Get(key, Span<byte>.Empty, out CacheItemInfo current) is CacheStatus.Ok or CacheStatus.BufferTooSmall
            && current.Cas != request.Cas)
        {
            WriteError(request, Status.KeyExists);
            return ProcessResult.Progress;
        }
        CacheStatus status = _store.Arithmetic(key, decrement, delta, out ulong value, out ulong cas);
        // A miss creates the item with the initial value, unless the expiration is all ones.
        if (status == CacheStatus.NotFound && exptime != uint.MaxValue)
        {
            Span<byte> digits = stackalloc byte[20];
            System.Buffers.Text.Utf8Formatter.TryFormat(initial, digits, out int written);
            status = _store.Store(CacheStoreMode.Add, key, digits[..written], 0, exptime, 0, out cas);
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
                if (!quiet)
                {
                    Span<byte> number = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64BigEndian(number, value);
                    WriteResponse(request, Status.Success, 0, default, default, number, cas);
                }
                break;
            case CacheStatus.NotFound:
                _counters.Increment(decrement ? Counter.DecrMisses : Counter.IncrMisses);
                WriteError(request, Status.KeyNotFound);
                break;
            case CacheStatus.NonNumeric:
                WriteError(request, Status.NonNumeric);
                break;
            default:
                WriteError(request, Status.OutOfMemory);
                break;
        }
        return ProcessResult.Progress;
    }

    private ProcessResult Flush(in Request request, long delay)
    {
        _counters.Increment(Counter.CmdFlush);
        _store.Flush(delay);
        if (request.Opcode != Opcode.FlushQ)
        {
            WriteResponse(request, Status.Success, 0, default, default, default);
        }
        return ProcessResult.Progress;
    }

    private ProcessResult Stats(in Request request, ReadOnlySpan<byte> key)
    {
        string group = Encoding.ASCII.GetString(key);
        if (group == "reset")
        {
            _stats.Reset();
        }
        else
        {
            IReadOnlyList<KeyValuePair<string, string>>? report = StatsReport.Build(group, _stats, _store, _options);
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

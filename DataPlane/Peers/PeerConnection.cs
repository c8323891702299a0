using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// The client side of the data plane: one long-lived TCP connection to a peer silo, shared by every
/// caller. Requests are tagged with ids and pipelined; concurrent callers' frames accumulate in one
/// buffer that a send loop writes with one syscall (see <see cref="Stats"/> for operations per
/// flush), and a receive loop matches responses to requests by id. On the hot path an operation
/// allocates nothing: frames are written into pooled pipe memory and the awaitable comes from a
/// fixed table of <see cref="PendingOperation"/>s.
/// <para>
/// Each connection starts with a handshake (<see cref="DataPlaneHandshake"/>): this side presents
/// <see cref="PeerConnectionOptions.Identity"/>, the peer admits it and tells its pool's item size
/// limit, which bounds the values sent and the responses accepted on that connection. A refused
/// connection counts as a failed attempt. With <see cref="PeerConnectionOptions.Tls"/> a mutual-TLS
/// handshake comes first; after it, requests and responses pass through the TLS stream, still
/// pooled, one write per batch segment.
/// </para>
/// <para>
/// Failure: when the connection drops, every operation in flight completes at once with
/// <see cref="CacheStatus.Unavailable"/>; an operation not answered within
/// <see cref="PeerConnectionOptions.OperationTimeout"/> does too. The next operation reconnects;
/// failed attempts back off exponentially, and operations during a backoff fail fast.
/// </para>
/// Region names are passed as UTF-8 bytes (encode once per replica, not per call). Keys and values
/// are copied into the request buffer before the call returns its ValueTask, except when the call
/// must first connect; callers keep them alive until the ValueTask completes in any case.
/// </summary>
public sealed class PeerConnection : IAsyncDisposable
{
    private readonly PeerConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly PendingOperation[] _operations;
    private readonly Stack<PendingOperation> _free;
    private readonly SemaphoreSlim _capacity;
    private readonly object _connectLock = new();
    private readonly Timer _timeoutSweep;
    private volatile PeerLink? _link;
    private Task<PeerLink?>? _connecting;
    private long _nextConnectAt;
    private TimeSpan _backoff;
    private long _operationCount, _flushCount, _bytesSent, _connectCount;
    private volatile bool _disposed;

    public PeerConnection(EndPoint endPoint, PeerConnectionOptions? options = null, ILogger<PeerConnection>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _options = options ?? new PeerConnectionOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxInFlight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxInFlight, ushort.MaxValue);
        EndPoint = endPoint;
        _logger = logger ?? NullLogger<PeerConnection>.Instance;
        _operations = new PendingOperation[_options.MaxInFlight];
        _free = new Stack<PendingOperation>(_options.MaxInFlight);
        for (int i = _operations.Length - 1; i >= 0; i--)
        {
            _operations[i] = new PendingOperation(this, (ushort)i);
            _free.Push(_operations[i]);
        }
        _capacity = new SemaphoreSlim(_options.MaxInFlight, _options.MaxInFlight);
        _backoff = _options.ReconnectBackoffMin;
        TimeSpan sweep = TimeSpan.FromTicks(Math.Max(_options.OperationTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10));
        _timeoutSweep = new Timer(_ => SweepTimeouts(), null, sweep, sweep);
    }

    public EndPoint EndPoint { get; }

    public bool IsConnected => _link is { Broken: false };

    public PeerConnectionStats Stats => new(Interlocked.Read(ref _operationCount), Interlocked.Read(ref _flushCount),
        Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _connectCount));

    public ValueTask<CacheResult> GetAsync(byte[] region, ReadOnlyMemory<byte> key, IBufferWriter<byte> value, in CacheReadOptions options = default)
    {
        byte bits = (byte)((options.TouchExptime.HasValue ? DataPlaneProtocol.ReadTouch : 0)
            | (options.VivifyExptime.HasValue ? DataPlaneProtocol.ReadVivify : 0)
            | (options.RecacheBelow.HasValue ? DataPlaneProtocol.ReadRecache : 0)
            | (options.Lease ? DataPlaneProtocol.ReadLease : 0)
            | (options.ExptimeBeforeTouch ? DataPlaneProtocol.ReadExptimeBeforeTouch : 0)
            | (options.TouchBeforeVivify ? DataPlaneProtocol.ReadTouchBeforeVivify : 0)
            | (options.RecacheBeforeTouch ? DataPlaneProtocol.ReadRecacheBeforeTouch : 0)
            | (options.NoValue ? DataPlaneProtocol.ReadNoValue : 0));
        var fields = new DataPlaneRequestFields(DataPlaneOpCode.Get, Options: bits, Exptime: options.TouchExptime ?? 0,
            Argument: (ulong)(options.RecacheBelow ?? 0), CasNew: options.CasNew, Argument2: options.VivifyExptime ?? 0);
        return SendAsync(fields, region, key, default, value);
    }

    public ValueTask<CacheResult> StoreAsync(byte[] region, CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags,
        long exptime, in CacheWriteOptions options = default) =>
        SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Store, (byte)mode, WriteBits(options), flags, exptime, options.CasIn, options.CasNew),
            region, key, value, null);

    public ValueTask<CacheResult> DeleteAsync(byte[] region, ReadOnlyMemory<byte> key, in CacheWriteOptions options = default) =>
        SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Delete, 0, WriteBits(options), 0, options.Exptime ?? 0, options.CasIn, options.CasNew),
            region, key, default, null);

    public ValueTask<CacheResult> ArithmeticAsync(byte[] region, ReadOnlyMemory<byte> key, bool decrement, ulong delta, in CacheWriteOptions options = default) =>
        SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Arithmetic, decrement ? (byte)1 : (byte)0, WriteBits(options), 0, 0, delta, options.CasNew,
            (long)options.CasIn), region, key, default, null);

    public ValueTask<CacheResult> TouchAsync(byte[] region, ReadOnlyMemory<byte> key, long exptime) =>
        SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Touch, Exptime: exptime), region, key, default, null);

    public ValueTask<CacheResult> FlushAsync(byte[] region, long delaySeconds) =>
        SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Flush, Exptime: delaySeconds), region, default, default, null);

    public async ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(byte[] region)
    {
        var payload = new ArrayBufferWriter<byte>(DataPlaneProtocol.StatsPayloadLength);
        CacheResult result = await SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Stats), region, default, default, payload).ConfigureAwait(false);
        return result.Status == CacheStatus.Ok ? (CacheStatus.Ok, StatsPayload.Read(payload.WrittenSpan)) : (result.Status, default);
    }

    /// <summary>
    /// Reads the next chunk of a scan of <paramref name="region"/> into <paramref name="items"/>
    /// (<see cref="ScanItemFormat"/>). Scan id 0 starts a scan; a chunk size of 0 abandons one.
    /// </summary>
    public async ValueTask<(CacheStatus Status, ulong ScanId, bool Done)> ScanChunkAsync(byte[] region, ulong scanId, int maxChunkBytes,
        IBufferWriter<byte> items)
    {
        CacheResult result = await SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.ScanChunk, Flags: (uint)Math.Max(maxChunkBytes, 0), Argument: scanId),
                region, default, default, items)
            .ConfigureAwait(false);
        // A scan response carries the scan id as its number and "done" in its flags.
        return (result.Status, result.Number, (result.Info.Flags & DataPlaneProtocol.ResponseScanDone) != 0);
    }

    /// <summary>
    /// Reads <paramref name="region"/>'s bucket digests and the versions of the buckets
    /// <paramref name="listBuckets"/> marks into <paramref name="payload"/> (<see cref="ReplicaVersions"/>).
    /// </summary>
    public async ValueTask<(CacheStatus Status, bool Truncated)> ReadVersionsAsync(byte[] region, int buckets, ReadOnlyMemory<byte> listBuckets,
        IBufferWriter<byte> payload)
    {
        CacheResult result = await SendAsync(new DataPlaneRequestFields(DataPlaneOpCode.Versions, Flags: (uint)buckets), region, default, listBuckets, payload)
            .ConfigureAwait(false);
        return (result.Status, (result.Info.Flags & DataPlaneProtocol.ResponseVersionsTruncated) != 0);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _timeoutSweep.DisposeAsync().ConfigureAwait(false);
        if (_link is { } link)
        {
            Fail(link, "connection disposed");
        }
    }

    internal void Return(PendingOperation operation)
    {
        lock (_free)
        {
            _free.Push(operation);
        }
        _capacity.Release();
    }

    private static byte WriteBits(in CacheWriteOptions options) =>
        (byte)((options.Invalidate ? DataPlaneProtocol.WriteInvalidate : 0)
            | (options.Exptime.HasValue ? DataPlaneProtocol.WriteSetExptime : 0)
            | (options.Stale ? DataPlaneProtocol.WriteStale : 0)
            | (options.Ordered ? DataPlaneProtocol.WriteOrdered : 0)
            | (options.Advance ? DataPlaneProtocol.WriteAdvance : 0));

    private ValueTask<CacheResult> SendAsync(in DataPlaneRequestFields fields, byte[] region, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value,
        IBufferWriter<byte>? destination)
    {
        if (_disposed)
        {
            return new(CacheResult.Unavailable);
        }
        if (region.Length is 0 or > EngineLimits.RegionNameMax)
        {
            throw new ArgumentException($"region names are 1 to {EngineLimits.RegionNameMax} UTF-8 bytes", nameof(region));
        }
        // Answer what the peer would, rather than send a frame it must reject by closing the connection.
        bool keyed = DataPlaneProtocol.IsKeyed(fields.Op);
        if (keyed && (key.IsEmpty || key.Length > EngineLimits.KeyMax))
        {
            return new(new CacheResult(CacheStatus.BadKey));
        }
        PeerLink? link = _link;
        if (link is { Broken: false })
        {
            if (value.Length > link.ItemSizeMax)
            {
                return new(new CacheResult(CacheStatus.TooLarge));
            }
            if (_capacity.Wait(0))
            {
                return Enqueue(link, fields, region, key.Span, value.Span, destination);
            }
        }
        return SendSlowAsync(fields, region, key, value, destination);
    }

    private async ValueTask<CacheResult> SendSlowAsync(DataPlaneRequestFields fields, byte[] region, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value,
        IBufferWriter<byte>? destination)
    {
        PeerLink? link = _link is { Broken: false } current ? current : await ConnectAsync().ConfigureAwait(false);
        if (link is null)
        {
            return CacheResult.Unavailable;
        }
        if (value.Length > link.ItemSizeMax)
        {
            return new CacheResult(CacheStatus.TooLarge);
        }
        await _capacity.WaitAsync().ConfigureAwait(false);
        return await Enqueue(link, fields, region, key.Span, value.Span, destination).ConfigureAwait(false);
    }

    /// <summary>Registers the operation, then appends its frame; the caller holds a capacity permit.</summary>
    private ValueTask<CacheResult> Enqueue(PeerLink link, in DataPlaneRequestFields fields, ReadOnlySpan<byte> region, ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> value, IBufferWriter<byte>? destination)
    {
        PendingOperation operation;
        lock (_free)
        {
            operation = _free.Pop();
        }
        // Registered before the frame is written, so a response can never arrive for an unknown id.
        ValueTask<CacheResult> task = operation.Start(link, destination);
        bool sent = false;
        lock (link.WriteLock)
        {
            if (!link.Broken)
            {
                PipeWriter writer = link.Requests.Writer;
                DataPlaneRequest.Write(writer, operation.Id, fields, region, key, value);
                // Only publishes the bytes to the send loop (no pause threshold): completes synchronously.
                _ = writer.FlushAsync();
                sent = true;
            }
        }
        if (sent)
        {
            Interlocked.Increment(ref _operationCount);
        }
        else if (operation.TryClaim())
        {
            operation.Complete(CacheResult.Unavailable);
        }
        return task;
    }

    private Task<PeerLink?> ConnectAsync()
    {
        lock (_connectLock)
        {
            if (_link is { Broken: false } link)
            {
                return Task.FromResult<PeerLink?>(link);
            }
            if (_connecting is { } pending)
            {
                return pending;
            }
            if (_disposed || Environment.TickCount64 < _nextConnectAt)
            {
                return Task.FromResult<PeerLink?>(null);
            }
            // A refused connection can fail synchronously, having already cleared _connecting (the lock is
            // re-entrant): remember only an attempt still in progress.
            Task<PeerLink?> attempt = ConnectCoreAsync();
            if (!attempt.IsCompleted)
            {
                _connecting = attempt;
            }
            return attempt;
        }
    }

    private async Task<PeerLink?> ConnectCoreAsync()
    {
        var socket = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        SslStream? tls = null;
        var refusal = new TlsRefusal();
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            await socket.ConnectAsync(EndPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (_options.Tls is { } options)
            {
                tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(options.ClientOptions(refusal), timeout.Token).ConfigureAwait(false);
            }
            int itemSizeMax = await HandshakeAsync(stream, timeout.Token).ConfigureAwait(false);
            var link = new PeerLink(socket, stream, tls, itemSizeMax);
            lock (_connectLock)
            {
                _link = link;
                _connecting = null;
                _backoff = _options.ReconnectBackoffMin;
            }
            Interlocked.Increment(ref _connectCount);
            _ = SendLoopAsync(link);
            _ = ReceiveLoopAsync(link);
            _logger.LogDebug("Data-plane connection to {Peer} established", EndPoint);
            return link;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or DataPlaneProtocolException or AuthenticationException or IOException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            socket.Dispose();
            string reason = refusal.Reason is null ? e.Message : $"TLS: {refusal.Reason}";
            lock (_connectLock)
            {
                _nextConnectAt = Environment.TickCount64 + (long)_backoff.TotalMilliseconds;
                // A refused certificate is a configuration problem, not a peer that is away: said at Warning.
                _logger.Log(refusal.Reason is null ? LogLevel.Debug : LogLevel.Warning, "Data-plane connection to {Peer} failed ({Reason}); next attempt in {Backoff}",
                    EndPoint, reason, _backoff);
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.ReconnectBackoffMax.Ticks));
                _connecting = null;
            }
            return null;
        }
    }

    /// <summary>Presents this side's identity and reads the peer's welcome: its item size limit.</summary>
    private async Task<int> HandshakeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var hello = new ArrayBufferWriter<byte>(DataPlaneHandshake.MaxHelloLength);
        DataPlaneHandshake.WriteHello(hello, _options.Identity);
        await stream.WriteAsync(hello.WrittenMemory, cancellationToken).ConfigureAwait(false);
        byte[] welcome = new byte[DataPlaneHandshake.WelcomeLength];
        for (int received = 0; received < welcome.Length;)
        {
            int read = await stream.ReadAsync(welcome.AsMemory(received), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new DataPlaneProtocolException("the peer closed the connection during the handshake (refused: see its log)");
            }
            received += read;
        }
        return DataPlaneHandshake.ReadWelcome(welcome);
    }

    private async Task SendLoopAsync(PeerLink link)
    {
        PipeReader requests = link.Requests.Reader;
        var segments = new List<ArraySegment<byte>>();
        try
        {
            while (true)
            {
                ReadResult read = await requests.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                if (!buffer.IsEmpty)
                {
                    if (link.Tls is { } tls)
                    {
                        await SendAsync(tls, buffer).ConfigureAwait(false);
                    }
                    else
                    {
                        await SendAsync(link.Socket, buffer, segments).ConfigureAwait(false);
                    }
                    Interlocked.Increment(ref _flushCount);
                    Interlocked.Add(ref _bytesSent, buffer.Length);
                }
                requests.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            Fail(link, e.Message);
        }
        finally
        {
            await requests.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends everything buffered in one call (a gather write when the buffer spans pipe segments).</summary>
    private static async ValueTask SendAsync(Socket socket, ReadOnlySequence<byte> buffer, List<ArraySegment<byte>> segments)
    {
        if (buffer.IsSingleSegment)
        {
            ReadOnlyMemory<byte> memory = buffer.First;
            while (!memory.IsEmpty)
            {
                int sent = await socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
                memory = memory[sent..];
            }
            return;
        }
        segments.Clear();
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            if (!MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment))
            {
                throw new InvalidOperationException("pipe memory is not array-backed");
            }
            segments.Add(segment);
        }
        int total = await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        if (total != buffer.Length)
        {
            // Stream sockets send gather lists whole; anything else means the connection is unusable.
            throw new InvalidOperationException($"sent {total} of {buffer.Length} bytes");
        }
    }

    /// <summary>Encrypts and sends everything buffered, a TLS record per pipe segment.</summary>
    private static async ValueTask SendAsync(SslStream tls, ReadOnlySequence<byte> buffer)
    {
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            await tls.WriteAsync(memory).ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync(PeerLink link)
    {
        string reason = "peer closed the connection";
        byte[]? scratch = null;
        PipeReader responses = PipeReader.Create(link.Stream,
            new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                ReadResult read = await responses.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (DataPlaneProtocol.TryReadFrameLength(buffer, DataPlaneProtocol.ResponseHeaderLength, link.MaxResponseLength, out int length)
                       && buffer.Length >= length)
                {
                    Dispatch(link, DataPlaneProtocol.Contiguous(buffer.Slice(0, length), ref scratch));
                    buffer = buffer.Slice(length);
                }
                responses.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (DataPlaneProtocolException e)
        {
            reason = $"protocol error: {e.Message}";
            _logger.LogWarning("Data-plane connection to {Peer} closed: {Reason}", EndPoint, reason);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = e.Message;
        }
        finally
        {
            await responses.CompleteAsync().ConfigureAwait(false);
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        Fail(link, reason);
    }

    private void Dispatch(PeerLink link, ReadOnlySpan<byte> frame)
    {
        DataPlaneResponse response = DataPlaneResponse.Read(frame);
        PendingOperation operation = _operations[(ushort)response.Id % _operations.Length];
        // A late response (its operation timed out and the slot moved on) is dropped.
        if (operation.Id != response.Id || operation.Link != link || !operation.TryClaim())
        {
            return;
        }
        ReadOnlySpan<byte> payload = frame[DataPlaneProtocol.ResponseHeaderLength..];
        if (!payload.IsEmpty)
        {
            operation.Destination?.Write(payload);
        }
        bool fetched = (response.Bits & DataPlaneProtocol.ResponseFetched) != 0;
        int valueLength = (response.Bits & DataPlaneProtocol.ResponseNoValue) != 0 ? (int)response.Number : payload.Length;
        var info = new CacheItemInfo(response.Flags, valueLength, response.Exptime, response.Cas, response.LastAccess, fetched, response.State);
        operation.Complete(new CacheResult(response.Status, info, response.Cas, response.Number));
    }

    /// <summary>Marks the link broken and completes every operation in flight on it with Unavailable.</summary>
    private void Fail(PeerLink link, string reason)
    {
        lock (link.WriteLock)
        {
            if (link.Broken)
            {
                return;
            }
            link.Broken = true;
            link.Requests.Writer.Complete();
        }
        if (!_disposed)
        {
            _logger.LogWarning("Data-plane connection to {Peer} lost: {Reason}", EndPoint, reason);
        }
        try
        {
            link.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }
        link.Socket.Dispose();
        link.Stream.Dispose();
        lock (_connectLock)
        {
            if (_link == link)
            {
                _link = null;
            }
        }
        foreach (PendingOperation operation in _operations)
        {
            if (operation.Link == link && operation.TryClaim())
            {
                operation.Complete(CacheResult.Unavailable);
            }
        }
    }

    private void SweepTimeouts()
    {
        long deadline = Environment.TickCount64 - (long)_options.OperationTimeout.TotalMilliseconds;
        foreach (PendingOperation operation in _operations)
        {
            if (operation.IsWaiting && operation.StartedAt < deadline && operation.TryClaim())
            {
                operation.Complete(CacheResult.Unavailable);
            }
        }
    }
}

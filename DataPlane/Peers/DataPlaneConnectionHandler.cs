using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// Serves peers' replica operations on a Kestrel endpoint. Requests are executed in arrival order
/// straight against the engine, their responses written into the output pipe, and the pipe flushed
/// once per batch of requests read together — so a peer that pipelines many requests gets their
/// responses in few writes. A malformed frame closes that connection (logged with the reason);
/// other connections are unaffected. Nothing is served before the peer's hello
/// (<see cref="DataPlaneHandshake"/>) has been admitted: a peer that is refused, or that says
/// nothing within <see cref="HandshakeTimeout"/>, is closed with a logged reason. With
/// <see cref="PeerTls"/> a mutual-TLS handshake comes first, and a peer whose certificate is refused,
/// or whose hello claims a node its certificate does not name, is closed the same way.
/// </summary>
public sealed class DataPlaneConnectionHandler : ConnectionHandler
{
    private readonly RegionDirectory _regions;
    private readonly EnginePool _pool;
    private readonly ILogger<DataPlaneConnectionHandler> _logger;
    private readonly PeerAdmission _admission;
    private readonly PeerTls? _tls;
    private readonly int _itemSizeMax;
    private readonly int _maxRequestLength;

    /// <param name="tls">Null: plain TCP; else every connection starts with a mutual-TLS handshake.</param>
    public DataPlaneConnectionHandler(RegionDirectory regions, PeerAdmission admission, PeerTls? tls, ILogger<DataPlaneConnectionHandler> logger)
    {
        _regions = regions;
        _pool = regions.Pool;
        _admission = admission;
        _tls = tls;
        _logger = logger;
        _itemSizeMax = (int)_pool.GetStats().ItemSizeMax;
        _maxRequestLength = DataPlaneProtocol.MaxRequestLength(_itemSizeMax);
    }

    /// <summary>How long a new connection may take to present its hello.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        _logger.LogDebug("Data-plane connection {ConnectionId} from {Remote}", connection.ConnectionId, connection.RemoteEndPoint);
        using var scans = new RegionScanSessions();
        SslStream? tls = null;
        try
        {
            IDuplexPipe transport = connection.Transport;
            if (_tls is not null)
            {
                tls = await AuthenticateAsync(connection, _tls);
                if (tls is null)
                {
                    return;
                }
                transport = new StreamPipes(tls);
            }
            if (!await AdmitAsync(connection, transport, tls?.RemoteCertificate as X509Certificate2))
            {
                return;
            }
            await ServeAsync(transport.Input, transport.Output, scans, connection.ConnectionClosed);
        }
        catch (DataPlaneProtocolException e)
        {
            _logger.LogWarning("Closing data-plane connection {ConnectionId} from {Remote}: {Reason}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or OperationCanceledException or IOException)
        {
            _logger.LogDebug("Data-plane connection {ConnectionId} ended: {Reason}", connection.ConnectionId, e.Message);
        }
        finally
        {
            if (tls is not null)
            {
                await tls.DisposeAsync();
            }
        }
    }

    /// <summary>The server side of the mutual-TLS handshake; null (logged) when it fails or the peer's certificate is refused.</summary>
    private async Task<SslStream?> AuthenticateAsync(ConnectionContext connection, PeerTls tls)
    {
        var refusal = new TlsRefusal();
        var stream = new SslStream(new DuplexPipeStream(connection.Transport), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await stream.AuthenticateAsServerAsync(tls.ServerOptions(refusal), timeout.Token);
            return stream;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await stream.DisposeAsync();
            Refuse(connection, $"TLS handshake failed: {refusal.Reason ?? e.Message}");
            return null;
        }
    }

    /// <summary>Reads the peer's hello and admits it (answering with the welcome) or refuses it.</summary>
    private async Task<bool> AdmitAsync(ConnectionContext connection, IDuplexPipe transport, X509Certificate2? certificate)
    {
        PeerIdentity claimed;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(HandshakeTimeout);
            PipeReader input = transport.Input;
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await input.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
                {
                    Refuse(connection, "no hello within the handshake timeout");
                    return false;
                }
                ReadOnlySequence<byte> buffer = read.Buffer;
                if (DataPlaneProtocol.TryReadFrameLength(buffer, DataPlaneHandshake.HelloHeaderLength, DataPlaneHandshake.MaxHelloLength, out int length)
                    && buffer.Length >= length)
                {
                    // Once per connection, and at most a few hundred bytes: a copy is simplest.
                    claimed = DataPlaneHandshake.ReadHello(buffer.Slice(0, length).ToArray());
                    input.AdvanceTo(buffer.GetPosition(length));
                    break;
                }
                if (read.IsCompleted)
                {
                    return false;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        IPAddress? source = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (source is { IsIPv4MappedToIPv6: true })
        {
            source = source.MapToIPv4();
        }
        string? refusal = source is null ? "no remote address" : _admission(claimed, source);
        // Over TLS the claim must be the node the verified certificate was issued to.
        if (refusal is null && certificate is not null && !certificate.MatchesHostname(claimed.NodeName, allowWildcards: false, allowCommonName: false))
        {
            refusal = $"its certificate '{certificate.Subject}' is not issued to that node";
        }
        if (refusal is not null)
        {
            Refuse(connection, $"{refusal} (claimed node '{claimed.NodeName}' of cluster '{claimed.ClusterId}')");
            return false;
        }
        PipeWriter output = transport.Output;
        DataPlaneHandshake.WriteWelcome(output.GetSpan(DataPlaneHandshake.WelcomeLength), _itemSizeMax);
        output.Advance(DataPlaneHandshake.WelcomeLength);
        await output.FlushAsync(connection.ConnectionClosed);
        _logger.LogDebug("Data-plane connection {ConnectionId} from {Remote} admitted as {Node}", connection.ConnectionId, connection.RemoteEndPoint,
            claimed.NodeName);
        return true;
    }

    private void Refuse(ConnectionContext connection, string reason) =>
        _logger.LogWarning("Refusing data-plane connection {ConnectionId} from {Remote}: {Reason}", connection.ConnectionId, connection.RemoteEndPoint,
            reason);

    private async Task ServeAsync(PipeReader input, PipeWriter output, RegionScanSessions scans, CancellationToken closed)
    {
        var chunk = new ArrayBufferWriter<byte>();
        byte[]? scratch = null;
        try
        {
            while (true)
            {
                ReadResult read = await input.ReadAsync(closed);
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (DataPlaneProtocol.TryReadFrameLength(buffer, DataPlaneProtocol.RequestHeaderLength, _maxRequestLength, out int length)
                       && buffer.Length >= length)
                {
                    ScanRequest? scan = Execute(DataPlaneProtocol.Contiguous(buffer.Slice(0, length), ref scratch), output);
                    buffer = buffer.Slice(length);
                    if (scan is { } request)
                    {
                        await ServeScanAsync(request, scans, chunk, output, closed);
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                FlushResult flushed = await output.FlushAsync(closed);
                if (read.IsCompleted || flushed.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new DataPlaneProtocolException($"connection ended inside a frame ({buffer.Length} bytes left)");
                    }
                    return;
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Executes one request and writes its response; a scan is returned to be served asynchronously.</summary>
    private ScanRequest? Execute(ReadOnlySpan<byte> frame, PipeWriter output)
    {
        DataPlaneRequest request = DataPlaneRequest.Parse(frame);
        try
        {
            Region region = _regions.Resolve(request.Region);
            switch (request.Op)
            {
                case DataPlaneOpCode.Get:
                    WriteItem(request, region, output);
                    return null;
                case DataPlaneOpCode.Store:
                {
                    EngineStatus status = _pool.Store(region, (StoreMode)request.Mode, request.Key, request.Value, request.Flags, request.Exptime,
                        out ulong cas, request.WriteOptions);
                    WriteStatus(output, new DataPlaneResponse(request.Id, EngineOutcomes.ToCacheStatus(status), 0, 0, 0, cas, 0, 0));
                    return null;
                }
                case DataPlaneOpCode.Delete:
                    WriteStatus(output, Status(request.Id, _pool.Delete(region, request.Key, request.WriteOptions)));
                    return null;
                case DataPlaneOpCode.Arithmetic:
                {
                    WriteOptions options = request.WriteOptions;
                    EngineStatus status = request.Mode == 1
                        ? _pool.Decrement(region, request.Key, request.Argument, out ulong value, out ulong cas, options)
                        : _pool.Increment(region, request.Key, request.Argument, out value, out cas, options);
                    WriteStatus(output, new DataPlaneResponse(request.Id, EngineOutcomes.ToCacheStatus(status), 0, 0, 0, cas, value, 0));
                    return null;
                }
                case DataPlaneOpCode.Touch:
                    WriteStatus(output, Status(request.Id, _pool.Touch(region, request.Key, request.Exptime)));
                    return null;
                case DataPlaneOpCode.Flush:
                    _pool.Flush(region, request.Exptime);
                    WriteStatus(output, Status(request.Id, EngineStatus.Ok));
                    return null;
                case DataPlaneOpCode.Stats:
                    WriteStats(request.Id, region, output);
                    return null;
                case DataPlaneOpCode.Versions:
                    WriteVersions(request, region, output);
                    return null;
                default:
                    return new ScanRequest(request.Id, region, request.Argument, (int)Math.Min(request.Flags, DataPlaneProtocol.MaxScanChunkBytes));
            }
        }
        catch (EngineException e)
        {
            _logger.LogWarning("Data-plane {Op} failed: {Reason}", request.Op, e.Message);
            WriteStatus(output, new DataPlaneResponse(request.Id, CacheStatus.Unavailable, 0, 0, 0, 0, 0, 0));
            return null;
        }
    }

    /// <summary>
    /// Reads the value straight into the output pipe behind the header, growing the span when the engine asks for more. A read
    /// without value sends only the header, with the value's length as its number.
    /// </summary>
    private void WriteItem(in DataPlaneRequest request, Region region, PipeWriter output)
    {
        const int header = DataPlaneProtocol.ResponseHeaderLength;
        ReadOptions options = request.ReadOptions;
        Span<byte> span = output.GetSpan(options.NoValue ? header : header + 512);
        // A value that does not fit changes nothing in the engine (no touch, no win), so the retry is the real read.
        EngineStatus status = _pool.TryGet(region, request.Key, span[header..], out int length, out ItemInfo info, options);
        bool fetched = info.Fetched;
        while (status == EngineStatus.BufferTooSmall)
        {
            span = output.GetSpan(header + length);
            status = _pool.TryGet(region, request.Key, span[header..], out length, out info, options);
        }
        bool withValue = status == EngineStatus.Ok && !options.NoValue;
        int payload = withValue ? length : 0;
        byte bits = (byte)((fetched ? DataPlaneProtocol.ResponseFetched : 0) | (options.NoValue ? DataPlaneProtocol.ResponseNoValue : 0));
        ulong number = status == EngineStatus.Ok && options.NoValue ? (ulong)length : 0;
        var response = new DataPlaneResponse(request.Id, EngineOutcomes.ToCacheStatus(status), bits,
            info.Flags, info.Exptime, info.Cas, number, info.LastAccess, (CacheItemState)info.State);
        response.WriteHeader(span, payload);
        output.Advance(header + payload);
    }

    private void WriteStats(uint id, Region region, PipeWriter output)
    {
        Span<byte> span = output.GetSpan(DataPlaneProtocol.ResponseHeaderLength + DataPlaneProtocol.StatsPayloadLength);
        new DataPlaneResponse(id, CacheStatus.Ok, 0, 0, 0, 0, 0, 0).WriteHeader(span, DataPlaneProtocol.StatsPayloadLength);
        StatsPayload.Write(span[DataPlaneProtocol.ResponseHeaderLength..], EngineRegionStore.ReadStats(_pool, region));
        output.Advance(DataPlaneProtocol.ResponseHeaderLength + DataPlaneProtocol.StatsPayloadLength);
    }

    /// <summary>
    /// Scans the region's versions here, where it lives, and writes the digests and listed versions as
    /// the payload. The scan holds this connection for its duration; anti-entropy asks rarely.
    /// </summary>
    private void WriteVersions(in DataPlaneRequest request, Region region, PipeWriter output)
    {
        var payload = new ArrayBufferWriter<byte>();
        (_, bool truncated) = ReplicaVersions.Write(_pool, region, (int)request.Flags, request.Value, payload);
        Span<byte> span = output.GetSpan(DataPlaneProtocol.ResponseHeaderLength);
        new DataPlaneResponse(request.Id, CacheStatus.Ok, 0, truncated ? DataPlaneProtocol.ResponseVersionsTruncated : 0, 0, 0, 0, 0)
            .WriteHeader(span, payload.WrittenCount);
        output.Advance(DataPlaneProtocol.ResponseHeaderLength);
        output.Write(payload.WrittenSpan);
    }

    private async ValueTask ServeScanAsync(ScanRequest request, RegionScanSessions scans, ArrayBufferWriter<byte> chunk, PipeWriter output,
        CancellationToken closed)
    {
        chunk.ResetWrittenCount();
        DataPlaneResponse response;
        try
        {
            (ulong scanId, bool done) = await scans.ReadChunkAsync(_pool, request.Region, request.ScanId, request.ChunkBytes, chunk, closed);
            byte bits = done ? DataPlaneProtocol.ResponseScanDone : (byte)0;
            response = new DataPlaneResponse(request.Id, CacheStatus.Ok, bits, bits, 0, 0, scanId, 0);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or EngineException)
        {
            _logger.LogWarning("Data-plane scan {ScanId} of region {Region} failed: {Reason}", request.ScanId, request.Region.Name, e.Message);
            chunk.ResetWrittenCount();
            response = new DataPlaneResponse(request.Id, CacheStatus.Unavailable, DataPlaneProtocol.ResponseScanDone, 0, 0, 0, 0, 0);
        }
        Span<byte> span = output.GetSpan(DataPlaneProtocol.ResponseHeaderLength);
        response.WriteHeader(span, chunk.WrittenCount);
        output.Advance(DataPlaneProtocol.ResponseHeaderLength);
        output.Write(chunk.WrittenSpan);
    }

    private static DataPlaneResponse Status(uint id, EngineStatus status) => new(id, EngineOutcomes.ToCacheStatus(status), 0, 0, 0, 0, 0, 0);

    private static void WriteStatus(PipeWriter output, in DataPlaneResponse response)
    {
        Span<byte> span = output.GetSpan(DataPlaneProtocol.ResponseHeaderLength);
        response.WriteHeader(span, 0);
        output.Advance(DataPlaneProtocol.ResponseHeaderLength);
    }

    private readonly record struct ScanRequest(uint Id, Region Region, ulong ScanId, int ChunkBytes);
}

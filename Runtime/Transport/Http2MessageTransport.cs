using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Transport;

/// <summary>Sends calls to silos as unary gRPC calls over h2c, one multiplexed HTTP/2 connection
/// pool per peer endpoint. Never retries: a failed connection or reset stream surfaces at once as
/// <see cref="SiloUnavailableException"/>. A deadline (the request's, else the default) travels as
/// <c>grpc-timeout</c> and bounds the local wait; when it passes the call answers
/// DEADLINE_EXCEEDED. Cancelling the caller's token throws <see cref="OperationCanceledException"/>.</summary>
public sealed class Http2MessageTransport(TransportOptions options) : IMessageTransport, IDisposable
{
    private readonly ConcurrentDictionary<string, Peer> _peers = new();

    public Http2MessageTransport() : this(new TransportOptions())
    {
    }

    public async Task<GrainResponse> SendAsync(SiloAddress target, GrainRequest request, CancellationToken cancellationToken)
    {
        var deadline = request.DeadlineUnixMs > 0
            ? DateTimeOffset.FromUnixTimeMilliseconds(request.DeadlineUnixMs)
            : DateTimeOffset.UtcNow + options.DefaultDeadline;
        try
        {
            return await CallAsync(target, SiloRpcMethods.Invoke, request, GrainResponse.Parser, deadline, cancellationToken);
        }
        catch (RpcStatusException e)
        {
            return new GrainResponse { Id = request.Id, Status = ToGrainStatus(e.Status), Message = e.Detail };
        }
    }

    public Task<PingResponse> PingAsync(SiloAddress target, PingRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(target, SiloRpcMethods.Ping, request, PingResponse.Parser, DateTimeOffset.UtcNow + timeout, cancellationToken);

    public Task<MembersResponse> GetMembersAsync(SiloAddress target, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(target, SiloRpcMethods.Members, new MembersRequest(), MembersResponse.Parser, DateTimeOffset.UtcNow + timeout, cancellationToken);

    /// <summary>One unary call. Non-OK statuses throw <see cref="RpcStatusException"/> (DEADLINE_EXCEEDED
    /// also when the local deadline passes first).</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(
        SiloAddress target, string method, TRequest request, MessageParser<TResponse> parser,
        DateTimeOffset deadline, CancellationToken cancellationToken)
        where TRequest : IMessage
        where TResponse : class, IMessage<TResponse>
    {
        var remaining = deadline - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero)
            throw new RpcStatusException(GrpcStatusCode.DeadlineExceeded, "deadline passed before the call was sent");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        var peer = PeerFor(target.Endpoint);
        using var message = new HttpRequestMessage(HttpMethod.Post, peer.UriFor(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new FramedMessageContent(request),
        };
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation(GrpcTimeout.HeaderName, GrpcTimeout.Format(remaining));

        try
        {
            using var response = await peer.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return await ReadResponseAsync(response, parser, timeout.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new RpcStatusException(GrpcStatusCode.DeadlineExceeded, $"no answer from {target} within the deadline");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new SiloUnavailableException(target, e.InnerException?.Message ?? e.Message, e);
        }
    }

    private async Task<TResponse> ReadResponseAsync<TResponse>(HttpResponseMessage response, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcStatusException(
                response.StatusCode == HttpStatusCode.NotFound ? GrpcStatusCode.Unimplemented : GrpcStatusCode.Internal,
                $"HTTP {(int)response.StatusCode} from the peer");
        }
        // A trailers-only response carries its status in the headers and has no body.
        if (TryGetStatus(response.Headers, out var headerStatus, out var headerMessage) && headerStatus != GrpcStatusCode.Ok)
            throw new RpcStatusException(headerStatus, headerMessage);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var header = ArrayPool<byte>.Shared.Rent(GrpcFraming.HeaderSize);
        try
        {
            return await ReadMessageAsync(response, body, header, parser, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
    }

    private async Task<TResponse> ReadMessageAsync<TResponse>(
        HttpResponseMessage response, Stream body, byte[] header, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        var got = await body.ReadAtLeastAsync(header.AsMemory(0, GrpcFraming.HeaderSize), GrpcFraming.HeaderSize, throwOnEndOfStream: false, cancellationToken);
        if (got == 0)
            throw StatusFromTrailers(response) ?? new RpcStatusException(GrpcStatusCode.Internal, "the response carries no message");
        if (got < GrpcFraming.HeaderSize)
            throw new RpcStatusException(GrpcStatusCode.Internal, "the response message is truncated");

        var (compressed, length) = GrpcFraming.ReadHeader(header);
        if (compressed)
            throw new RpcStatusException(GrpcStatusCode.Internal, "compressed responses are not supported");
        if (length > (uint)options.MaxMessageSize)
            throw new RpcStatusException(GrpcStatusCode.ResourceExhausted,
                $"response of {length} bytes exceeds the limit of {options.MaxMessageSize} bytes");

        var payload = ArrayPool<byte>.Shared.Rent((int)length);
        TResponse result;
        try
        {
            await body.ReadExactlyAsync(payload.AsMemory(0, (int)length), cancellationToken);
            result = parser.ParseFrom(payload, 0, (int)length);
        }
        catch (EndOfStreamException)
        {
            throw new RpcStatusException(GrpcStatusCode.Internal, "the response message is truncated");
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcStatusException(GrpcStatusCode.Internal, "malformed response: " + e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }

        // Trailers arrive only once the body has been read to its end.
        if (await body.ReadAsync(header.AsMemory(0, 1), cancellationToken) != 0)
            throw new RpcStatusException(GrpcStatusCode.Internal, "a unary response carries exactly one message");
        if (StatusFromTrailers(response) is { } failure)
            throw failure;
        return result;
    }

    private static RpcStatusException? StatusFromTrailers(HttpResponseMessage response)
    {
        if (!TryGetStatus(response.TrailingHeaders, out var status, out var message))
            return new RpcStatusException(GrpcStatusCode.Internal, "the response carries no grpc-status");
        return status == GrpcStatusCode.Ok ? null : new RpcStatusException(status, message);
    }

    private static bool TryGetStatus(HttpHeaders headers, out GrpcStatusCode status, out string message)
    {
        status = GrpcStatusCode.Unknown;
        message = "";
        if (!headers.TryGetValues("grpc-status", out var values))
            return false;
        var text = values.FirstOrDefault();
        status = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? (GrpcStatusCode)code : GrpcStatusCode.Unknown;
        if (headers.TryGetValues("grpc-message", out var messages))
            message = GrpcFraming.DecodeStatusMessage(messages.FirstOrDefault());
        return true;
    }

    private static GrainResponse.Types.Status ToGrainStatus(GrpcStatusCode status) => status switch
    {
        GrpcStatusCode.InvalidArgument => GrainResponse.Types.Status.BadRequest,
        GrpcStatusCode.ResourceExhausted => GrainResponse.Types.Status.ResourceExhausted,
        GrpcStatusCode.DeadlineExceeded => GrainResponse.Types.Status.DeadlineExceeded,
        GrpcStatusCode.Cancelled => GrainResponse.Types.Status.Cancelled,
        GrpcStatusCode.Unavailable => GrainResponse.Types.Status.SiloUnavailable,
        GrpcStatusCode.Unimplemented => GrainResponse.Types.Status.UnknownMethod,
        _ => GrainResponse.Types.Status.ApplicationError,
    };

    private Peer PeerFor(string endpoint) => _peers.TryGetValue(endpoint, out var peer) ? peer : _peers.GetOrAdd(endpoint, NewPeer);

    private Peer NewPeer(string endpoint) => new(endpoint, new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = options.ConnectTimeout,
        // Past 100 concurrent streams Kestrel makes further calls queue; a second connection avoids that.
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    });

    /// <summary>One peer endpoint: its connection pool and the request URIs built once per method.</summary>
    private sealed class Peer(string endpoint, HttpClient client)
    {
        private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

        public HttpClient Client { get; } = client;

        public Uri UriFor(string method) =>
            _uris.TryGetValue(method, out var uri) ? uri : _uris.GetOrAdd(method, m => new Uri($"http://{endpoint}{m}"));
    }

    public void Dispose()
    {
        foreach (var peer in _peers.Values)
            peer.Client.Dispose();
        _peers.Clear();
    }
}

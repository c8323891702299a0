using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Xunit;
using Status = Mnemo.Runtime.Messages.GrainResponse.Types.Status;

namespace Mnemo.Cluster.Tests.Transport;

public sealed class TransportTests
{
    private static Task<GrainResponse> Echo(GrainRequest request, CancellationToken _) =>
        Task.FromResult(new GrainResponse { Id = request.Id, Status = Status.Ok, Result = request.Arguments.Count > 0 ? request.Arguments[0] : ByteString.Empty });

    private static GrainRequest Request(ulong id, int payloadBytes = 16, TimeSpan? deadline = null) => new()
    {
        Id = id,
        GrainType = "test",
        GrainKey = "k",
        Method = "Echo",
        Arguments = { ByteString.CopyFrom(Enumerable.Range(0, payloadBytes).Select(i => (byte)i).ToArray()) },
        DeadlineUnixMs = DateTimeOffset.UtcNow.Add(deadline ?? TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds(),
    };

    [Fact]
    public async Task Round_trip_returns_the_handlers_response()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var transport = new Http2MessageTransport();

        var request = Request(42, 100);
        var response = await transport.SendAsync(server.Address, request, CancellationToken.None);

        Assert.Equal(Status.Ok, response.Status);
        Assert.Equal(42UL, response.Id);
        Assert.Equal(request.Arguments[0], response.Result);
    }

    [Fact]
    public async Task Three_MiB_messages_travel_both_ways()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var transport = new Http2MessageTransport();

        var request = Request(1, 3 << 20);
        var response = await transport.SendAsync(server.Address, request, CancellationToken.None);

        Assert.Equal(Status.Ok, response.Status);
        Assert.Equal(3 << 20, response.Result.Length);
        Assert.True(request.Arguments[0].Span.SequenceEqual(response.Result.Span));
    }

    [Fact]
    public async Task Oversized_request_is_resource_exhausted_and_the_server_keeps_serving()
    {
        var handled = 0;
        await using var server = await TransportTestServer.StartAsync((r, ct) => { Interlocked.Increment(ref handled); return Echo(r, ct); });
        using var transport = new Http2MessageTransport();

        var response = await transport.SendAsync(server.Address, Request(1, 5 << 20), CancellationToken.None);

        Assert.Equal(Status.ResourceExhausted, response.Status);
        Assert.Contains("exceeds the limit", response.Message);
        Assert.Equal(0, handled);
        Assert.Equal(Status.Ok, (await transport.SendAsync(server.Address, Request(2), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Oversized_response_is_resource_exhausted_on_the_client()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var transport = new Http2MessageTransport(new TransportOptions { MaxMessageSize = 1 << 20 });

        var response = await transport.SendAsync(server.Address, Request(1, (1 << 20) - 100 + 200), CancellationToken.None);

        Assert.Equal(Status.ResourceExhausted, response.Status);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "malformed message")]
    [InlineData(new byte[] { 0, 0, 0, 0, 100, 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 0, 0 }, "truncated")]
    [InlineData(new byte[0], "no message")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "exactly one message")]
    public async Task Malformed_frames_get_invalid_argument_and_the_server_keeps_serving(byte[] body, string expected)
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");

        using var raw = await http.PostAsync($"http://{server.Address.Endpoint}{SiloRpcMethods.Invoke}", content);

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("3", raw.Headers.GetValues("grpc-status").Single());
        Assert.Contains(expected, Uri.UnescapeDataString(raw.Headers.GetValues("grpc-message").Single()));
        using var transport = new Http2MessageTransport();
        Assert.Equal(Status.Ok, (await transport.SendAsync(server.Address, Request(2), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Non_grpc_content_type_gets_415()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var raw = await http.PostAsync($"http://{server.Address.Endpoint}{SiloRpcMethods.Invoke}", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, raw.StatusCode);
    }

    [Fact]
    public async Task Deadline_exceeded_answers_promptly_and_cancels_the_handler()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(async (r, ct) =>
        {
            ct.Register(() => handlerCancelled.TrySetResult());
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return await Echo(r, ct);
        });
        using var transport = new Http2MessageTransport();

        var watch = Stopwatch.StartNew();
        var response = await transport.SendAsync(server.Address, Request(1, deadline: TimeSpan.FromMilliseconds(300)), CancellationToken.None);

        Assert.Equal(Status.DeadlineExceeded, response.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Server_honours_grpc_timeout_header()
    {
        await using var server = await TransportTestServer.StartAsync(async (r, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return await Echo(r, ct);
        });
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var message = Request(1);
        var body = new byte[GrpcFraming.HeaderSize + message.CalculateSize()];
        GrpcFraming.WriteHeader(body, message.CalculateSize());
        message.WriteTo(body.AsSpan(GrpcFraming.HeaderSize));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Address.Endpoint}{SiloRpcMethods.Invoke}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc") } },
        };
        request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");

        using var raw = await http.SendAsync(request);

        Assert.Equal("4", raw.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Caller_cancellation_throws_and_cancels_the_handler()
    {
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(async (r, ct) =>
        {
            ct.Register(() => handlerCancelled.TrySetResult());
            handlerStarted.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return await Echo(r, ct);
        });
        using var transport = new Http2MessageTransport();
        using var cancel = new CancellationTokenSource();

        var call = transport.SendAsync(server.Address, Request(1), cancel.Token);
        await handlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Unreachable_peer_fails_fast_with_silo_unavailable()
    {
        var port = FreePort();
        using var transport = new Http2MessageTransport();
        var target = new SiloAddress("127.0.0.1", port, 1, "gone");

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SiloUnavailableException>(() => transport.SendAsync(target, Request(1), CancellationToken.None));

        Assert.Equal(target, e.Silo);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Server_dropping_its_connections_mid_call_surfaces_as_silo_unavailable_without_waiting_for_the_deadline()
    {
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TransportTestServer.StartAsync(async (r, ct) =>
        {
            handlerStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return await Echo(r, ct);
        });
        using var transport = new Http2MessageTransport();

        var watch = Stopwatch.StartNew();
        var call = transport.SendAsync(server.Address, Request(1, deadline: TimeSpan.FromSeconds(60)), CancellationToken.None);
        await handlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.AbortAsync();

        await Assert.ThrowsAsync<SiloUnavailableException>(() => call);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Two_hundred_concurrent_calls_all_complete()
    {
        await using var server = await TransportTestServer.StartAsync(async (r, ct) =>
        {
            await Task.Delay(50, ct);
            return await Echo(r, ct);
        });
        using var transport = new Http2MessageTransport();

        var responses = await Task.WhenAll(Enumerable.Range(1, 200).Select(i => transport.SendAsync(server.Address, Request((ulong)i), CancellationToken.None)));

        Assert.All(responses, r => Assert.Equal(Status.Ok, r.Status));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), responses.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Ping_and_health_check_reach_the_control_handler()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var transport = new Http2MessageTransport();
        var self = new SiloAddress("127.0.0.1", 1, 5, "me");

        var pong = await transport.PingAsync(server.Address, new PingRequest { Sender = self.ToMessage() }, TimeSpan.FromSeconds(5), CancellationToken.None);
        var health = await transport.CallAsync(server.Address, SiloRpcMethods.HealthCheck, new Runtime.Messages.Health.HealthCheckRequest(),
            Runtime.Messages.Health.HealthCheckResponse.Parser, DateTimeOffset.UtcNow.AddSeconds(5), CancellationToken.None);

        Assert.Equal(self, SiloAddress.FromMessage(pong.Responder));
        Assert.Equal(7, pong.ActivationCount);
        Assert.Equal(Runtime.Messages.Health.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Unknown_path_is_unimplemented()
    {
        await using var server = await TransportTestServer.StartAsync(Echo);
        using var transport = new Http2MessageTransport();

        var e = await Assert.ThrowsAsync<RpcStatusException>(() => transport.CallAsync(server.Address, "/mnemo.runtime.Silo/Nope",
            new MembersRequest(), MembersResponse.Parser, DateTimeOffset.UtcNow.AddSeconds(5), CancellationToken.None));

        Assert.Equal(GrpcStatusCode.Unimplemented, e.Status);
    }

    [Theory]
    [InlineData("50m", 50 * TimeSpan.TicksPerMillisecond)]
    [InlineData("2S", 2 * TimeSpan.TicksPerSecond)]
    [InlineData("1H", TimeSpan.TicksPerHour)]
    [InlineData("300u", 300 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("1000n", 10)]
    public void Grpc_timeout_parses_every_unit(string header, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10x")]
    [InlineData("123456789m")]
    [InlineData("-5m")]
    public void Grpc_timeout_rejects_bad_values(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Fact]
    public void Grpc_timeout_formats_round_up_to_a_millisecond()
    {
        Assert.Equal("1m", GrpcTimeout.Format(TimeSpan.FromTicks(5)));
        Assert.Equal("1500m", GrpcTimeout.Format(TimeSpan.FromMilliseconds(1500)));
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

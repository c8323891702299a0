using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// The gateway's connections on the cache transport (<see cref="EventLoopTransport"/> on Linux) where
/// a socket or a pipe fills up: replies that wait for the client to read, input that waits for the
/// handler, a client that stops sending, a gateway that stops. Each runs over a store that answers at
/// once (the handler inline on the loop thread) and over one that answers later (on another thread).
/// </summary>
public sealed class EventLoopTransportTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static Task<GatewayServer> StartAsync(bool answersLater) =>
        GatewayServer.StartAsync(pool => answersLater ? new YieldingCacheStore(pool.Region("default")) : pool.Region("default"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Replies_larger_than_the_socket_buffers_reach_a_client_that_reads_only_after_sending_every_request(bool answersLater)
    {
        await using GatewayServer gateway = await StartAsync(answersLater);
        using TextClient client = await TextClient.ConnectAsync(gateway.Port);
        byte[] value = Enumerable.Range(0, 256 * 1024).Select(i => (byte)('a' + i % 26)).ToArray();
        Assert.Equal("STORED\r\n", await client.CallAsync(Encoding.Latin1.GetString([.. "set big 0 0 262144\r\n"u8, .. value, .. "\r\n"u8])));
        const int gets = 64;
        await client.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("get big\r\n", gets))));

        byte[] reply = [.. "VALUE big 0 262144\r\n"u8, .. value, .. "\r\nEND\r\n"u8];
        byte[] received = await client.ReceiveAsync(reply.Length * gets, Deadline);
        Assert.Equal(reply.Length * gets, received.Length);
        for (int i = 0; i < gets; i++)
            Assert.True(received.AsSpan(i * reply.Length, reply.Length).SequenceEqual(reply), $"reply {i} differs");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pipeline_larger_than_the_input_buffer_is_served_whole_and_in_order(bool answersLater)
    {
        await using GatewayServer gateway = await StartAsync(answersLater);
        using TextClient client = await TextClient.ConnectAsync(gateway.Port);
        // About 3 MB of sets in one write: more than a connection's input buffer, so reading pauses and resumes.
        const int sets = 20_000;
        string payload = new('v', 128);
        var requests = new StringBuilder();
        for (int i = 0; i < sets; i++)
            requests.Append($"set key-{i} {i} 0 128\r\n{payload}\r\n");
        Task sending = client.SendAsync(Encoding.ASCII.GetBytes(requests.ToString()));
        byte[] received = await client.ReceiveAsync("STORED\r\n".Length * sets, Deadline);
        await sending;
        Assert.Equal(string.Concat(Enumerable.Repeat("STORED\r\n", sets)), Encoding.ASCII.GetString(received));
        Assert.Equal($"VALUE key-{sets - 1} {sets - 1} 128\r\n{payload}\r\nEND\r\n", await client.CallAsync($"get key-{sets - 1}\r\n"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_stops_sending_gets_every_reply_and_then_the_close(bool answersLater)
    {
        await using GatewayServer gateway = await StartAsync(answersLater);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
        await socket.SendAsync("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget a b\r\nversion\r\n"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);

        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Deadline);
        int read;
        while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        Assert.Equal("STORED\r\nSTORED\r\nVALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\nVERSION 1.6.18-mnemo\r\n", Encoding.ASCII.GetString(received.ToArray()));
    }

    [Fact]
    public async Task Stopping_the_gateway_closes_its_open_connections()
    {
        using var pool = new TestPool();
        MemcachedGatewayHost host = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), pool.Region("default"), NullLoggerFactory.Instance);
        using TextClient idle = await TextClient.ConnectAsync(host.Endpoint.Port);
        using TextClient busy = await TextClient.ConnectAsync(host.Endpoint.Port);
        Assert.Equal("STORED\r\n", await busy.CallAsync("set k 0 0 1\r\nx\r\n"));
        // A request that is still incomplete when the gateway stops.
        await busy.SendAsync("set k 0 0 10\r\nabc"u8.ToArray());

        Task stopping = host.DisposeAsync().AsTask();
        Assert.Same(stopping, await Task.WhenAny(stopping, Task.Delay(Deadline)));
        Assert.True(await idle.WaitClosedAsync(Deadline));
        Assert.True(await busy.WaitClosedAsync(Deadline));
    }
}

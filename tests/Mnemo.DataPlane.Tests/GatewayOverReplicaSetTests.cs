using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// The memcached gateway serving a replicated shard: writes reach every node over the data plane,
/// pipelined commands whose replies wait for remote replicas still come back in request order, and
/// route introspection names the replicas.
/// </summary>
public sealed class GatewayOverReplicaSetTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;
    private MemcachedGatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ReplicaCluster.StartAsync(3);
        // Reads prefer a remote replica, so gets wait for the network too.
        ReplicaSet shard = _cluster.CreateSet(WriteQuorum.All, preferred: 1);
        _gateway = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), shard, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Pipelined_commands_are_replicated_and_answered_in_order()
    {
        var request = new StringBuilder();
        var expected = new StringBuilder();
        for (int i = 0; i < 50; i++)
        {
            request.Append($"set k{i} {i} 0 {$"v{i}".Length}\r\nv{i}\r\nmn\r\nget k{i}\r\nincr n{i} 1\r\nmg k{i} v f\r\n");
            expected.Append($"STORED\r\nMN\r\nVALUE k{i} {i} {$"v{i}".Length}\r\nv{i}\r\nEND\r\nNOT_FOUND\r\nVA {$"v{i}".Length} f{i}\r\nv{i}\r\n");
        }
        request.Append("mn\r\n");
        expected.Append("MN\r\n");

        string reply = await ExchangeAsync(request.ToString(), expected.Length);

        Assert.Equal(expected.ToString(), reply);
        foreach (TestNode node in _cluster.Nodes)
        {
            Assert.Equal("v49", node.ValueOn("k49"));
        }
    }

    [Fact]
    public async Task Reads_without_value_get_no_value_from_the_remote_replica()
    {
        var counting = new ValueCountingStore(_cluster.CreateSet(WriteQuorum.All, preferred: 1));
        await using MemcachedGatewayHost gateway = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), counting,
            NullLoggerFactory.Instance);
        string large = new('x', 300_000);
        Assert.Equal("STORED\r\nSTORED\r\n", await ExchangeAsync(gateway, $"set large 5 0 {large.Length}\r\n{large}\r\nset n 0 0 1\r\n5\r\n", 16));

        // mg without v, ma (its t reads the item back) and me read the metadata only.
        string reply = await ExchangeAsync(gateway, "mg large s f\r\nma n t\r\nme large\r\nmn\r\n", 4, "MN\r\n");

        Assert.StartsWith($"HD s{large.Length} f5\r\nHD t-1\r\nME large exp=-1 la=", reply);
        Assert.Equal(0, counting.ValueBytes);
        reply = await ExchangeAsync(gateway, "mg large v\r\n", large.Length + 10);
        Assert.Equal($"VA {large.Length}\r\n{large}\r\n", reply);
        Assert.Equal(large.Length, counting.ValueBytes);
    }

    [Fact]
    public async Task Route_introspection_names_every_replica()
    {
        string names = string.Join("\r\n", _cluster.Nodes.Select(n => $"{n.Name}/{TestNode.RegionName}"));
        string expected = $"VALUE __mcrouter__.route(get,k1) 0 {names.Length + 3}\r\n0\r\n{names}\r\nEND\r\n";
        Assert.Equal(expected, await ExchangeAsync("get __mcrouter__.route(get,k1)\r\n", expected.Length));
    }

    /// <summary>Sends <paramref name="request"/> in one write and reads until the reply is at least <paramref name="minimumLength"/> bytes and ends a line.</summary>
    private Task<string> ExchangeAsync(string request, int minimumLength) => ExchangeAsync(_gateway, request, minimumLength);

    /// <summary>As above, through <paramref name="gateway"/>, reading until the reply ends with <paramref name="end"/>.</summary>
    private static async Task<string> ExchangeAsync(MemcachedGatewayHost gateway, string request, int minimumLength, string end = "\r\n")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Endpoint);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var reply = new StringBuilder();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (reply.Length < minimumLength || !reply.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "connection closed; received: " + reply);
            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return reply.ToString();
    }
}

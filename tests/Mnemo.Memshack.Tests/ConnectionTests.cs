using System.Net.Sockets;
using System.Text;
using Mnemo.Tests.Shared;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>Bad input and connection handling over real sockets.</summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayServer.StartAsync(shards: 3);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Garbage_lines_get_errors_and_the_connection_keeps_working()
    {
        using TextClient client = await TextClient.ConnectAsync(_gateway.Port);
        Assert.Equal("ERROR\r\n", await client.CallAsync("\u0001\u00ff\u007f garbage\r\n"));
        Assert.Equal("ERROR\r\n", await client.CallAsync("set\r\n"));
        Assert.Equal("CLIENT_ERROR bad command line format\r\n", await client.CallAsync($"get {new string('k', 251)}\r\n"));
        Assert.Equal("STORED\r\n", await client.CallAsync("set ok 0 0 2\r\nok\r\n"));
        Assert.Equal("VALUE ok 0 2\r\nok\r\nEND\r\n", await client.CallAsync("get ok\r\n"));
    }

    [Fact]
    public async Task A_3000_byte_line_without_newline_closes_the_connection_as_memcached_does()
    {
        using MemcachedProcess memcached = await MemcachedProcess.StartAsync();
        foreach (int port in new[] { memcached.Port, _gateway.Port })
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            await client.SendAsync(Encoding.ASCII.GetBytes(new string('x', 3000)));
            Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(30)), $"port {port} kept the connection");
        }
    }

    [Fact]
    public async Task A_half_sent_data_block_stores_nothing_when_the_client_leaves()
    {
        using (TextClient client = await TextClient.ConnectAsync(_gateway.Port))
        {
            await client.SendAsync("set half 0 0 100\r\nonly-part-of-it"u8.ToArray());
            await Task.Delay(100);
        }
        using TextClient other = await TextClient.ConnectAsync(_gateway.Port);
        await WaitForAsync(async () => (await other.CallAsync("stats\r\n")).Contains("STAT curr_connections 1\r\n"));
        Assert.Equal("END\r\n", await other.CallAsync("get half\r\n"));
    }

    [Fact]
    public async Task Two_thousand_idle_connections_do_not_slow_down_a_working_client()
    {
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 2000; i++)
            {
                var connection = new TcpClient();
                await connection.ConnectAsync("127.0.0.1", _gateway.Port);
                idle.Add(connection);
            }
            using TextClient worker = await TextClient.ConnectAsync(_gateway.Port);
            await WaitForAsync(async () => CurrentConnections(await worker.CallAsync("stats\r\n")) >= 2001);

            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 500; i++)
            {
                Assert.Equal("STORED\r\n", await worker.CallAsync($"set w{i} 0 0 1\r\n{i % 10}\r\n"));
                Assert.Equal($"VALUE w{i} 0 1\r\n{i % 10}\r\nEND\r\n", await worker.CallAsync($"get w{i}\r\n"));
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"1000 requests took {watch.Elapsed}");
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed()
    {
        await using GatewayServer small = await GatewayServer.StartAsync(options: new MemcachedGatewayOptions { MaxConnections = 3 });
        var open = new List<TextClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                open.Add(await TextClient.ConnectAsync(small.Port));
                Assert.Equal("MN\r\n", await open[i].CallAsync("mn\r\n"));
            }
            using TextClient refused = await TextClient.ConnectAsync(small.Port);
            Assert.True(await refused.WaitClosedAsync(TimeSpan.FromSeconds(30)));
            string stats = await open[0].CallAsync("stats\r\n");
            Assert.Contains("STAT rejected_connections 1\r\n", stats);
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Memcstat_reads_the_gateway_stats()
    {
        string memcstat = ExternalTools.Require("memcstat", "libmemcached-tools");
        using (TextClient client = await TextClient.ConnectAsync(_gateway.Port))
        {
            Assert.Equal("STORED\r\n", await client.CallAsync("set counted 0 0 1\r\nx\r\n"));
        }
        (int exitCode, string output) = await ExternalTools.RunAsync(memcstat, $"--servers=127.0.0.1:{_gateway.Port}", TimeSpan.FromSeconds(60));
        Assert.Equal(0, exitCode);
        Assert.Contains("curr_items: 1", output);
        Assert.Contains("cmd_set: 1", output);
        Assert.Matches(@"limit_maxbytes: [1-9]\d*", output);
    }

    [Fact]
    public async Task Stats_count_requests_of_closed_and_open_connections_and_reset()
    {
        using (TextClient first = await TextClient.ConnectAsync(_gateway.Port))
        {
            await first.CallAsync("set a 0 0 1\r\nx\r\nget a b\r\ndelete b\r\nincr a 1\r\n");
        }
        using TextClient second = await TextClient.ConnectAsync(_gateway.Port);
        await second.CallAsync("get a\r\ntouch a 10\r\n");
        await WaitForAsync(async () => CurrentConnections(await second.CallAsync("stats\r\n")) == 1);

        Dictionary<string, string> stats = ParseStats(await second.CallAsync("stats\r\n"));
        Assert.Equal("3", stats["cmd_get"]);
        Assert.Equal("2", stats["get_hits"]);
        Assert.Equal("1", stats["get_misses"]);
        Assert.Equal("1", stats["cmd_set"]);
        Assert.Equal("1", stats["delete_misses"]);
        Assert.Equal("0", stats["incr_hits"]); // incr on "x" is non-numeric: neither hit nor miss
        Assert.Equal("0", stats["incr_misses"]);
        Assert.Equal("1", stats["touch_hits"]);
        Assert.Equal("1", stats["curr_items"]);
        Assert.Equal("2", stats["total_connections"]);

        Assert.Equal("RESET\r\n", await second.CallAsync("stats reset\r\n"));
        await second.CallAsync("get a\r\n");
        stats = ParseStats(await second.CallAsync("stats\r\n"));
        Assert.Equal("1", stats["cmd_get"]);
        Assert.Equal("0", stats["cmd_set"]);
        Assert.Equal("1", stats["curr_items"]);
    }

    private static Dictionary<string, string> ParseStats(string reply) =>
        reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[1], p => p[2]);

    private static int CurrentConnections(string stats)
    {
        string line = stats.Split("\r\n").Single(l => l.StartsWith("STAT curr_connections ", StringComparison.Ordinal));
        return int.Parse(line["STAT curr_connections ".Length..]);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(50);
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// Every stats group of the gateway against a real memcached 1.6 configured as the gateway presents
/// itself (<see cref="MemcachedProcess.LikeGateway"/>): same names, same order, same value formats, same
/// replies to sub-commands and unknown groups.
/// </summary>
public sealed partial class StatsTests : IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private MemcachedProcess _memcached = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayServer.StartAsync();
        _memcached = await MemcachedProcess.StartAsync(threads: 2, options: MemcachedProcess.LikeGateway);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _memcached.Dispose();
    }

    private IEnumerable<int> BothPorts => [_memcached.Port, _gateway.Port];

    [Fact]
    public async Task General_group_has_memcacheds_names_order_and_value_formats()
    {
        var replies = new List<List<(string Name, string Value)>>();
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            await client.CallAsync("set a 0 0 1\r\nx\r\nget a b\r\n");
            replies.Add(StatLines.Parse(await client.CallAsync("stats\r\n")));
        }
        // libevent's version is the one line left out: the gateway does not run on libevent.
        List<(string Name, string Value)> memcached = replies[0].Where(l => l.Name != "libevent").ToList();
        List<(string Name, string Value)> gateway = replies[1];

        Assert.Equal(memcached.Select(l => l.Name), gateway.Select(l => l.Name));
        Assert.Equal(memcached.Select(l => (l.Name, Format(l.Value))), gateway.Select(l => (l.Name, Format(l.Value))));
        Dictionary<string, string> stats = gateway.ToDictionary(l => l.Name, l => l.Value);
        Assert.Equal("1", stats["curr_items"]);
        Assert.Equal("1", stats["get_hits"]);
        Assert.Equal("1", stats["get_misses"]);
        Assert.Equal("1", stats["cmd_set"]);
    }

    [Fact]
    public async Task Settings_group_has_memcacheds_names_order_and_value_formats()
    {
        var replies = new List<List<(string Name, string Value)>>();
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            replies.Add(StatLines.Parse(await client.CallAsync("stats settings\r\n")));
        }
        // ext_*, slab_automove_freeratio and ssl_* appear only in a memcached built with extstore and
        // TLS; the gateway has neither.
        List<(string Name, string Value)> memcached = replies[0]
            .Where(l => !l.Name.StartsWith("ext_") && !l.Name.StartsWith("ssl_") && l.Name != "slab_automove_freeratio")
            .ToList();
        List<(string Name, string Value)> gateway = replies[1];

        Assert.Equal(memcached.Select(l => l.Name), gateway.Select(l => l.Name));
        Assert.Equal(memcached.Select(l => (l.Name, Format(l.Value))), gateway.Select(l => (l.Name, Format(l.Value))));
        Dictionary<string, string> settings = gateway.ToDictionary(l => l.Name, l => l.Value);
        Assert.Equal(new MemcachedGatewayOptions().MaxConnections.ToString(CultureInfo.InvariantCulture), settings["maxconns"]);
        Assert.Equal(_gateway.Pool.Pool.GetStats().DataCapacity.ToString(CultureInfo.InvariantCulture), settings["maxbytes"]);
    }

    [Fact]
    public async Task Slabs_and_items_have_memcacheds_fields_per_class()
    {
        var slabReplies = new List<List<(string Name, string Value)>>();
        var itemReplies = new List<List<(string Name, string Value)>>();
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            await client.CallAsync("set s1 0 0 3\r\nabc\r\nset s2 0 0 3\r\ndef\r\nset s3 0 0 3\r\nghi\r\n");
            slabReplies.Add(StatLines.Parse(await client.CallAsync("stats slabs\r\n")));
            itemReplies.Add(StatLines.Parse(await client.CallAsync("stats items\r\n")));
        }
        Assert.Equal(Shape(slabReplies[0]), Shape(slabReplies[1]));
        Assert.Equal(Shape(itemReplies[0]), Shape(itemReplies[1]));
        foreach (List<(string Name, string Value)> items in itemReplies)
        {
            Assert.Equal(3, items.Where(l => l.Name.EndsWith(":number")).Sum(l => int.Parse(l.Value, CultureInfo.InvariantCulture)));
        }
        Dictionary<string, string> slabs = slabReplies[1].ToDictionary(l => l.Name, l => l.Value);
        Assert.True(long.Parse(slabs["total_malloced"], CultureInfo.InvariantCulture) > 0);
        Assert.Equal(3, slabReplies[1].Where(l => l.Name.EndsWith(":used_chunks")).Sum(l => int.Parse(l.Value, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Conns_lists_each_open_connection_as_memcached_does()
    {
        foreach (int port in BothPorts)
        {
            using TextClient idle = await TextClient.ConnectAsync(port);
            Assert.Equal("MN\r\n", await idle.CallAsync("mn\r\n"));
            using TextClient asking = await TextClient.ConnectAsync(port);
            List<(string Name, string Value)> lines;
            List<Dictionary<string, string>> blocks;
            // A connection closed just before (memcached's start-up probe) may still be listed for a moment.
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                lines = StatLines.Parse(await asking.CallAsync("stats conns\r\n"));
                // Client connections only: memcached also lists its listening socket.
                blocks = lines.GroupBy(l => l.Name[..l.Name.IndexOf(':')])
                    .Select(g => g.ToDictionary(l => l.Name[(l.Name.IndexOf(':') + 1)..], l => l.Value))
                    .Where(b => b["state"] != "conn_listening")
                    .ToList();
                if (blocks.Count == 2 || DateTime.UtcNow > deadline)
                {
                    break;
                }
                await Task.Delay(50);
            }
            Assert.Equal(2, blocks.Count);
            Assert.All(lines, l => Assert.Matches(@"^\d+:(addr|listen_addr|state|secs_since_last_cmd)$", l.Name));
            Assert.All(blocks, b => Assert.Matches(@"^\d+$", b["secs_since_last_cmd"]));
            Assert.Single(blocks, b => b["state"] == "conn_parse_cmd");
            // memcached shows an idle connection in whichever step of its wait it is.
            Assert.Single(blocks, b => b["state"] is "conn_new_cmd" or "conn_waiting" or "conn_read");
        }
    }

    [Fact]
    public async Task Conns_and_settings_show_the_addresses_the_listener_gives_in_memcacheds_form()
    {
        var stats = new GatewayStats();
        ConnectionCounters asking = stats.TryOpenConnection(10, new IPEndPoint(IPAddress.Loopback, 11211), new IPEndPoint(IPAddress.Loopback, 40001))!;
        stats.TryOpenConnection(10, new IPEndPoint(IPAddress.IPv6Loopback, 11211), new IPEndPoint(IPAddress.IPv6Loopback, 40002));
        using var pool = new TestPool(64UL << 20);

        IReadOnlyList<KeyValuePair<string, string>> lines = (await StatsReport.BuildAsync("conns", stats, pool.Region("r"), new MemcachedGatewayOptions(), asking))!;
        var settings = (await StatsReport.BuildAsync("settings", stats, pool.Region("r"), new MemcachedGatewayOptions(), asking))!.ToDictionary();

        Assert.Equal(
        [
            new("1:addr", "tcp:127.0.0.1:40001"),
            new("1:listen_addr", "tcp:127.0.0.1:11211"),
            new("1:state", "conn_parse_cmd"),
            new("1:secs_since_last_cmd", "0"),
            new("2:addr", "tcp6:[::1]:40002"),
            new("2:listen_addr", "tcp6:[::1]:11211"),
            new("2:state", "conn_new_cmd"),
            new("2:secs_since_last_cmd", "0"),
        ], lines);
        Assert.Equal("11211", settings["tcpport"]);
        Assert.Equal("127.0.0.1", settings["inter"]);
    }

    [Theory]
    [InlineData("stats sizes\r\n")]
    [InlineData("stats sizes_disable\r\n")]
    [InlineData("stats detail\r\n")]
    [InlineData("stats detail sideways\r\n")]
    [InlineData("stats detail on\r\nstats detail off\r\n")]
    [InlineData("stats detail dump\r\n")]
    [InlineData("stats cachedump 1 10\r\n")]
    [InlineData("stats cachedump\r\n")]
    [InlineData("stats nonsense\r\n")]
    [InlineData("stats reset\r\nstats reset all\r\n")]
    public async Task Other_groups_answer_exactly_as_memcached(string request)
    {
        var replies = new List<string>();
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            replies.Add(await client.CallAsync(request));
        }
        Assert.Equal(replies[0], replies[1]);
    }

    [Fact]
    public async Task Detail_switch_shows_in_settings()
    {
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            Assert.Equal("OK\r\n", await client.CallAsync("stats detail on\r\n"));
            Assert.Equal("yes", StatLines.ToDictionary(await client.CallAsync("stats settings\r\n"))["detail_enabled"]);
            Assert.Equal("OK\r\n", await client.CallAsync("stats detail off\r\n"));
            Assert.Equal("no", StatLines.ToDictionary(await client.CallAsync("stats settings\r\n"))["detail_enabled"]);
        }
    }

    [Fact]
    public async Task Reset_restarts_counters_and_connection_totals_but_not_gauges()
    {
        foreach (int port in BothPorts)
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            await client.CallAsync("set r 0 0 1\r\nx\r\nget r\r\n");
            Assert.Equal("RESET\r\n", await client.CallAsync("stats reset\r\n"));
            Dictionary<string, string> stats = StatLines.ToDictionary(await client.CallAsync("stats\r\n"));
            Assert.Equal("0", stats["total_connections"]);
            Assert.Equal("0", stats["cmd_get"]);
            Assert.Equal("0", stats["total_items"]);
            Assert.Equal("1", stats["curr_items"]);
            Assert.NotEqual("0", stats["curr_connections"]);
        }
    }

    /// <summary>Field names per slab class (the class ids themselves may differ) and the global lines.</summary>
    private static List<string> Shape(List<(string Name, string Value)> lines) =>
        lines.Select(l => ClassId().Replace(l.Name, "N:")).Distinct().ToList();

    /// <summary>How a value is written: memcached's formats are integers, timevals, fixed decimals and words.</summary>
    private static string Format(string value) => value switch
    {
        _ when Integer().IsMatch(value) => "integer",
        _ when Timeval().IsMatch(value) => "timeval",
        _ when Decimal().IsMatch(value) => "decimal",
        _ => "text",
    };

    [GeneratedRegex(@"^(items:)?\d+:")]
    private static partial Regex ClassId();

    [GeneratedRegex(@"^-?\d+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^\d+\.\d{6}$")]
    private static partial Regex Timeval();

    [GeneratedRegex(@"^\d+\.\d+$")]
    private static partial Regex Decimal();
}

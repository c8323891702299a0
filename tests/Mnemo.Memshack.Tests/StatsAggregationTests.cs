using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// What a gateway's numbers mean over a sharded store: store figures count each item once, whichever
/// shard holds it; command and connection counters are the gateway's own, as each mcrouter's are.
/// </summary>
public sealed class StatsAggregationTests
{
    private const int Keys = 60;

    [Fact]
    public async Task A_sharded_gateway_counts_each_item_once_like_a_single_region_gateway()
    {
        await using GatewayServer single = await GatewayServer.StartAsync();
        await using GatewayServer sharded = await GatewayServer.StartAsync(shards: 3);
        var figures = new List<Dictionary<string, string>>();
        var itemsPerClass = new List<Dictionary<string, string>>();
        foreach (GatewayServer gateway in new[] { single, sharded })
        {
            using TextClient client = await TextClient.ConnectAsync(gateway.Port);
            await client.CallAsync(Load());
            figures.Add(StatLines.ToDictionary(await client.CallAsync("stats\r\n")));
            itemsPerClass.Add(StatLines.ToDictionary(await client.CallAsync("stats items\r\n")));
        }

        foreach (string name in new[] { "curr_items", "bytes", "total_items", "cmd_set", "evictions" })
        {
            Assert.Equal(figures[0][name], figures[1][name]);
        }
        Assert.Equal(Keys.ToString(CultureInfo.InvariantCulture), figures[1]["curr_items"]);
        // The three shards' regions share one pool: its memory and slab classes count once, not three times.
        Assert.Equal(Keys, ItemsOverClasses(itemsPerClass[0]));
        Assert.Equal(Keys, ItemsOverClasses(itemsPerClass[1]));
        long limitSingle = long.Parse(figures[0]["limit_maxbytes"], CultureInfo.InvariantCulture);
        long limitSharded = long.Parse(figures[1]["limit_maxbytes"], CultureInfo.InvariantCulture);
        Assert.InRange(limitSingle - limitSharded, 0, 2); // each region's share is rounded down
    }

    private static long ItemsOverClasses(Dictionary<string, string> items) =>
        items.Where(p => p.Key.StartsWith("items:", StringComparison.Ordinal) && p.Key.EndsWith(":number", StringComparison.Ordinal))
            .Sum(p => long.Parse(p.Value, CultureInfo.InvariantCulture));

    [Fact]
    public async Task Two_gateways_over_one_store_share_store_figures_and_keep_their_own_counters()
    {
        using var pool = new TestPool();
        IAsyncCacheStore store = pool.Sharded(3);
        await using MemcachedGatewayHost first = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), store, NullLoggerFactory.Instance);
        await using MemcachedGatewayHost second = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), store, NullLoggerFactory.Instance);

        using (TextClient writer = await TextClient.ConnectAsync(first.Endpoint.Port))
        {
            await writer.CallAsync(Load());
        }
        using TextClient reader = await TextClient.ConnectAsync(second.Endpoint.Port);
        Assert.Equal("VALUE key7 0 5\r\nvalue\r\nEND\r\n", await reader.CallAsync("get key7\r\n"));
        Dictionary<string, string> stats = StatLines.ToDictionary(await reader.CallAsync("stats\r\n"));

        Assert.Equal(Keys.ToString(CultureInfo.InvariantCulture), stats["curr_items"]);
        Assert.Equal("0", stats["cmd_set"]);
        Assert.Equal("0", stats["total_items"]);
        Assert.Equal("1", stats["get_hits"]);
        Assert.Equal("1", stats["total_connections"]);
    }

    private static string Load()
    {
        var request = new StringBuilder();
        for (int i = 0; i < Keys; i++)
        {
            request.Append(CultureInfo.InvariantCulture, $"set key{i} 0 0 5 noreply\r\nvalue\r\n");
        }
        return request.ToString();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// Prometheus' memcached exporter scraping a gateway (through <see cref="MemcachedExporterScrape"/>,
/// its rules re-stated): it must report the gateway up and export every metric it exports for a real
/// memcached configured as the gateway presents itself. The same scrape of that memcached proves the
/// re-stated rules faithful; scrapes of made-up replies prove they can fail.
/// </summary>
public sealed class ExporterCompatibilityTests : IAsyncLifetime
{
    // The exporter's default --memcached.timeout is 1 s; a loaded test machine gets more.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private GatewayServer _gateway = null!;
    private MemcachedProcess _memcached = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayServer.StartAsync(shards: 3);
        _memcached = await MemcachedProcess.StartAsync(threads: 2, options: MemcachedProcess.LikeGateway);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _memcached.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_exporter_reports_the_gateway_up_with_every_metric_it_exports_for_memcached(bool enableSlab)
    {
        var scrapes = new List<MemcachedExporterScrape>();
        foreach (int port in new[] { _memcached.Port, _gateway.Port })
        {
            using TextClient client = await TextClient.ConnectAsync(port);
            await client.CallAsync("set a 0 0 1\r\n1\r\nset b 0 0 1\r\nx\r\nget a b c\r\ndelete c\r\nincr a 5\r\ntouch b 100\r\ngets a\r\n");
            await client.CallAsync("cas a 0 0 1 999999\r\ny\r\ncas nothing 0 0 1 1\r\ny\r\n");
            scrapes.Add(await MemcachedExporterScrape.ScrapeAsync(port, enableSlab, Timeout));
        }
        MemcachedExporterScrape memcached = scrapes[0], gateway = scrapes[1];

        Assert.True(memcached.Up, "memcached down: " + string.Join("; ", memcached.Errors));
        Assert.True(gateway.Up, "gateway down: " + string.Join("; ", gateway.Errors));
        Assert.Equal(memcached.MetricNames, gateway.MetricNames);
        // Same samples too, apart from the version label and the slab class ids (engine and memcached size classes differ).
        Assert.Equal(ServerWideSamples(memcached), ServerWideSamples(gateway));
        Assert.Equal(1, gateway.Metrics["memcached_version{version=\"1.6.18-mnemo\"}"]);

        Assert.Equal(1, gateway.Metrics["memcached_up"]);
        Assert.Equal(2, gateway.Metrics["memcached_current_items"]);
        // The same commands, counted alike: every command/status sample equals memcached's.
        foreach (string sample in memcached.Metrics.Keys.Where(k => k.StartsWith("memcached_commands_total{", StringComparison.Ordinal)))
        {
            Assert.True(memcached.Metrics[sample] == gateway.Metrics[sample], $"{sample}: memcached {memcached.Metrics[sample]}, gateway {gateway.Metrics[sample]}");
        }
        Assert.Equal(3, gateway.Metrics["memcached_commands_total{command=\"get\",status=\"hit\"}"]);
        Assert.Equal(1, gateway.Metrics["memcached_commands_total{command=\"cas\",status=\"badval\"}"]);
        Assert.True(gateway.Metrics["memcached_limit_bytes"] > 0);
        Assert.True(gateway.Metrics["memcached_malloced_bytes"] > 0);
        Assert.Contains(gateway.Metrics, m => m.Key.StartsWith("memcached_slab_current_items{", StringComparison.Ordinal) && m.Value > 0);
    }

    [Fact]
    public async Task The_exporter_reads_a_replicated_gateway_whose_stats_add_the_repaired_keys_line()
    {
        // Shards that are replica sets (one replica each here) add mnemo_repaired_keys to the general group.
        await using GatewayServer replicated = await GatewayServer.StartAsync(pool => new ShardedCacheStore(
            Enumerable.Range(0, 3).Select(s => (IAsyncCacheStore)new ReplicaSet([pool.Region($"shard-{s}")], new ReplicaSetOptions())).ToArray()));
        using (TextClient client = await TextClient.ConnectAsync(replicated.Port))
        {
            Assert.Equal("0", StatLines.ToDictionary(await client.CallAsync("stats\r\n"))["mnemo_repaired_keys"]);
        }

        MemcachedExporterScrape memcached = await MemcachedExporterScrape.ScrapeAsync(_memcached.Port, enableSlab: false, Timeout);
        MemcachedExporterScrape gateway = await MemcachedExporterScrape.ScrapeAsync(replicated.Port, enableSlab: false, Timeout);

        Assert.True(gateway.Up, "gateway down: " + string.Join("; ", gateway.Errors));
        Assert.Equal(memcached.MetricNames, gateway.MetricNames);
    }

    [Theory]
    [InlineData("STAT cmd_get 1\r\nEND\r\n", "cmd_set")] // cmd_set (and the cas counters) are required
    [InlineData("STAT cmd_set 1\r\nSTAT cas_misses 0\r\nSTAT cas_hits 0\r\nSTAT cas_badval 0\r\nSTAT rusage_user 12\r\nEND\r\n", "rusage_user")]
    [InlineData("STAT cmd_set 1\r\nSTAT cas_misses 0\r\nSTAT cas_hits 0\r\nSTAT cas_badval 0\r\nSTAT curr_items lots\r\nEND\r\n", "curr_items")]
    [InlineData("STAT cmd_set 1\r\nSTAT cas_misses 0\r\nSTAT cas_hits 0\r\nSTAT cas_badval 0\r\nSTAT x:chunk_size 96\r\nEND\r\n", "slab id")]
    [InlineData("STAT cmd_set 1\r\nSTAT cas_misses 0\r\nSTAT cas_hits 0\r\nSTAT cas_badval 0\r\nEND\n", "stats")] // END without \r: timeout
    [InlineData("ERROR\r\n", "stats")]
    public async Task The_scrape_reports_down_what_the_exporter_reports_down(string statsReply, string expectedError)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        Task server = ServeCannedAsync(listener, statsReply, stop.Token);

        MemcachedExporterScrape scrape = await MemcachedExporterScrape.ScrapeAsync(port, enableSlab: false, TimeSpan.FromSeconds(2));

        stop.Cancel();
        await server;
        Assert.False(scrape.Up);
        Assert.Equal(0, scrape.Metrics["memcached_up"]);
        Assert.Contains(scrape.Errors, e => e.Contains(expectedError, StringComparison.Ordinal));
    }

    private static IEnumerable<string> ServerWideSamples(MemcachedExporterScrape scrape) =>
        scrape.Metrics.Keys.Where(k => !k.Contains("slab=", StringComparison.Ordinal) && !k.StartsWith("memcached_version{", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    /// <summary>Answers every stats group with <paramref name="statsReply"/> and <c>stats settings</c> with a valid reply.</summary>
    private static async Task ServeCannedAsync(TcpListener listener, string statsReply, CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                TcpClient client = await listener.AcceptTcpClientAsync(cancellationToken);
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    using (var reader = new StreamReader(client.GetStream(), Encoding.ASCII))
                    {
                        NetworkStream stream = client.GetStream();
                        while (await reader.ReadLineAsync(cancellationToken) is { } command)
                        {
                            string reply = command == "stats settings" ? "STAT maxconns 1024\r\nEND\r\n" : statsReply;
                            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), cancellationToken);
                        }
                    }
                }, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(connections.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
    }
}

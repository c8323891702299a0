using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// The memcached gateways' and replication's meters on a silo's <c>/metrics</c>: commands, hits and misses by
/// command, command durations as a histogram, each replica's lag and state, repairs and resyncs; the text
/// passes <c>promtool check metrics</c> with no finding on Mnemo's names.
/// </summary>
[Collection(ConsoleCluster.Name)]
public sealed class DataPlaneMetricsTests(ConsoleClusterFixture fixture)
{
    private const string Sample = "memshack=\"default/sample\"";

    [Fact]
    public async Task Metrics_show_the_gateway_commands_hits_misses_durations_and_the_replication_of_every_shard()
    {
        await using (MemcachedTextClient client = await ConnectWhenServedAsync())
        {
            for (int i = 0; i < 5; i++)
                Assert.Equal("STORED", await client.SetAsync($"metrics-{i}", "value"));
            for (int i = 0; i < 5; i++)
                Assert.Equal("value", await client.GetAsync($"metrics-{i}"));
            for (int i = 0; i < 3; i++)
                Assert.Null(await client.GetAsync($"absent-{i}"));
            Assert.Equal("NOT_FOUND", await client.CommandAsync("delete absent-key"));
        }

        using var http = new HttpClient();
        string url = $"http://127.0.0.1:{fixture.Cluster.Settings[0].HealthPort}/metrics";
        string text = "";
        // The exporter caches a scrape briefly: wait for one taken after the commands.
        await fixture.Cluster.WaitUntilAsync(async () =>
        {
            text = await http.GetStringAsync(url);
            return Value(text, "mnemo_gateway_misses_total", "command=\"delete\"") >= 1;
        }, TimeSpan.FromSeconds(30), "the gateway's delete miss on /metrics");

        Assert.True(Value(text, "mnemo_gateway_commands_total", "command=\"set\"") >= 5, text);
        Assert.True(Value(text, "mnemo_gateway_commands_total", "command=\"get\"") >= 8);
        Assert.True(Value(text, "mnemo_gateway_hits_total", "command=\"get\"") >= 5);
        Assert.True(Value(text, "mnemo_gateway_misses_total", "command=\"get\"") >= 3);
        Assert.True(Value(text, "mnemo_gateway_command_duration_seconds_count", "protocol=\"text\"") >= 14);
        Assert.Matches($@"(?m)^mnemo_gateway_command_duration_seconds_bucket\{{[^}}]*{Sample}[^}}]*le=""0.001""[^}}]*\}} \d+", text);
        Assert.Matches($@"(?m)^mnemo_gateway_connections\{{[^}}]*{Sample}[^}}]*\}} \d+", text);

        // Node 0's gateway has a replica set for every shard of the sample (3 shards x 2 replicas): each replica with no lag and in sync.
        for (int shard = 0; shard < 3; shard++)
        {
            string tags = $"shard=\"{shard}\"";
            Assert.Equal(2, Lines(text, "mnemo_replica_pending_hints", tags).Count(line => line.EndsWith(" 0", StringComparison.Ordinal)));
            Assert.Equal(2, Lines(text, "mnemo_replica_state", tags, "state=\"in_sync\"").Count(line => line.EndsWith(" 1", StringComparison.Ordinal)));
            Assert.Equal("0", Assert.Single(Lines(text, "mnemo_replica_resyncs_total", tags, "outcome=\"failed\"")).Split(' ')[^1]);
            Assert.Single(Lines(text, "mnemo_replica_repaired_keys_total", tags));
            Assert.Single(Lines(text, "mnemo_replica_hint_repairs_total", tags));
        }

        string? promtool = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "promtool")).FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is not on PATH: install the Debian package 'prometheus'");
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, text);
            (int exit, string output) = await ExternalTools.RunAsync("/bin/sh", $"-c \"{promtool} check metrics < {file}\"", TimeSpan.FromMinutes(1));
            Assert.DoesNotContain("error while linting", output);
            Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("mnemo_", StringComparison.Ordinal));
            Assert.True(exit == 0 || output.Contains("orleans_", StringComparison.Ordinal), output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<MemcachedTextClient> ConnectWhenServedAsync()
    {
        MemcachedTextClient? client = null;
        await fixture.Cluster.WaitUntilAsync(async () =>
        {
            if (client is not null)
                await client.DisposeAsync();
            client = await MemcachedTextClient.ConnectAsync(fixture.SampleBasePort);
            return await client.SetAsync("metrics-ready", "1") == "STORED";
        }, TimeSpan.FromSeconds(60), "the sample Memshack served on node-0");
        return client!;
    }

    /// <summary>The sample Memshack's samples of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static IEnumerable<string> Lines(string text, string metric, params string[] labels) =>
        text.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(Sample, StringComparison.Ordinal)
                                       && labels.All(label => line.Contains(label, StringComparison.Ordinal)));

    private static double Value(string text, string metric, params string[] labels) =>
        Lines(text, metric, labels).Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();
}

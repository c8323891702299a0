using System.Globalization;
using Xunit;
using static Mnemo.Cluster.Tests.MemshackCluster;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// What each silo's gateway reports in <c>stats</c> for a Memshack of 3 shards x 2 replicas: the
/// store figures count every item once (one replica per shard answers, the shards are summed), the
/// command counters are that gateway's own, as each mcrouter's are.
/// </summary>
public sealed class MemshackStatsTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 30).Select(i => $"stat:{i}").ToArray();

    [Fact]
    public async Task Every_gateway_counts_each_item_once_across_replicas_and_only_its_own_commands()
    {
        await using MemshackCluster memshacks = await StartAsync();
        await using (MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, 0)))
        {
            foreach (string key in Keys)
                Assert.Equal("STORED", await node0.SetAsync(key, "value of " + key));
        }

        var stats = new List<Dictionary<string, string>>();
        for (int node = 0; node < 3; node++)
            stats.Add(await StatsAsync(memshacks.GatewayPort(Strict, node)));

        Assert.All(stats, s => Assert.Equal(Keys.Length.ToString(CultureInfo.InvariantCulture), s["curr_items"]));
        Assert.All(stats, s => Assert.Equal(stats[0]["bytes"], s["bytes"]));
        Assert.Equal(Keys.Length.ToString(CultureInfo.InvariantCulture), stats[0]["cmd_set"]);
        Assert.Equal(Keys.Length.ToString(CultureInfo.InvariantCulture), stats[0]["total_items"]);
        Assert.All(stats.Skip(1), s => Assert.Equal("0", s["cmd_set"]));
        // Replicas that never diverged: anti-entropy repaired nothing, and every gateway says so.
        Assert.All(stats, s => Assert.Equal("0", s["mnemo_repaired_keys"]));
    }

    /// <summary>The general <c>stats</c> group of the gateway on <paramref name="port"/>, by name.</summary>
    internal static async Task<Dictionary<string, string>> StatsAsync(int port)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
        return await client.StatsAsync();
    }
}

using System.Net.Sockets;
using Mnemo.DataPlane;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// A silo's gateway settings reach the Memshack gateways it starts: two silo processes started with
/// <c>--memcached-max-connections 3</c> serve a 1 x 2 Memshack (its writes cross the data plane, whose
/// handshake admits the other member), and a fourth connection to a gateway is closed at once.
/// </summary>
public sealed class MemshackGatewaySettingsTests
{
    [Fact]
    public async Task A_silo_started_with_a_connection_limit_refuses_the_extra_connection()
    {
        await using var cluster = await TestCluster.StartAsync(2, (i, settings) => settings with
        {
            MemshackPortOffset = i,
            Memcached = new MemcachedGatewayOptions { MaxConnections = 3 },
        });
        int port = MemshackCluster.FreePortRange(2);
        await MemshackCluster.ApplyAsync(cluster, "limited", port, "all", shards: 1, replicas: 2);
        await cluster.WaitUntilAsync(async () =>
        {
            await using MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(port);
            return await node0.SetAsync("greeting", "hello") == "STORED";
        }, TimeSpan.FromSeconds(90), "node-0's gateway to store on both replicas");
        await using (MemcachedTextClient node1 = await MemcachedTextClient.ConnectAsync(port + 1))
            Assert.Equal("hello", await node1.GetAsync("greeting"));

        var open = new List<MemcachedTextClient> { await MemcachedTextClient.ConnectAsync(port) };
        try
        {
            // The probes above may still be counted: start from this one connection alone.
            await cluster.WaitUntilAsync(async () => (await open[0].StatsAsync())["curr_connections"] == "1",
                TimeSpan.FromSeconds(30), "node-0's gateway to count one connection");
            for (int i = 1; i < 3; i++)
            {
                open.Add(await MemcachedTextClient.ConnectAsync(port));
                Assert.StartsWith("VERSION ", await open[i].CommandAsync("version"));
            }
            using var refused = new TcpClient();
            await refused.ConnectAsync("127.0.0.1", port);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal(0, await refused.GetStream().ReadAsync(new byte[16], timeout.Token));

            Dictionary<string, string> stats = await open[0].StatsAsync();
            Assert.Equal("3", stats["max_connections"]);
            Assert.NotEqual("0", stats["rejected_connections"]);
        }
        finally
        {
            foreach (MemcachedTextClient client in open)
                await client.DisposeAsync();
        }
    }
}

using Xunit;
using static Mnemo.Cluster.Tests.MemshackCluster;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// One CAS per write across silo processes: every replica of a key holds the CAS its gateway chose,
/// so a <c>gets</c> through one silo's gateway and a <c>cas</c> through any other silo's gateway is
/// STORED, whichever replica each gateway reads from.
/// </summary>
public sealed class MemshackCasTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 12).Select(i => $"cas:{i}").ToArray();

    [Fact]
    public async Task Gets_through_one_silo_and_cas_through_another_is_stored()
    {
        await using MemshackCluster memshacks = await StartAsync();
        var gateways = new MemcachedTextClient[3];
        for (int node = 0; node < gateways.Length; node++)
            gateways[node] = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Strict, node));
        try
        {
            foreach (string key in Keys)
            {
                (int shard, string[] replicas) = await gateways[0].RouteAsync(key);
                int[] replicaNodes = replicas.Select(NodeIndex).ToArray();
                Assert.Equal("STORED", await gateways[1].SetAsync(key, "v0"));
                int version = 0;
                for (int reader = 0; reader < 3; reader++)
                {
                    for (int writer = 0; writer < 3; writer++)
                    {
                        if (reader == writer)
                            continue;
                        (string Value, ulong Cas) read = await gateways[reader].GetsAsync(key) ?? throw new InvalidOperationException($"{key} missing");
                        Assert.Equal($"v{version}", read.Value);
                        foreach (int node in replicaNodes)
                            Assert.Equal(read.Cas, await memshacks.ReadReplicaCasAsync(node, Strict, shard, key));

                        Assert.Equal("STORED", await gateways[writer].CasAsync(key, $"v{version + 1}", read.Cas));
                        version++;
                        Assert.Equal("EXISTS", await gateways[reader].CasAsync(key, "stale", read.Cas));
                    }
                }
                foreach (int node in replicaNodes)
                    Assert.Equal($"v{version}", await memshacks.ReadReplicaAsync(node, Strict, shard, key));
            }
        }
        finally
        {
            foreach (MemcachedTextClient gateway in gateways)
                await gateway.DisposeAsync();
        }
    }
}

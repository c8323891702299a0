using System.Diagnostics;

namespace Mnemo.GatewayBench;

/// <summary>
/// memcaslap against one gateway of a three-silo cluster serving a Memshack of 3 shards x 2 replicas
/// (write quorum all), and against memcached, in alternating rounds. Every get and set crosses the
/// Ch3 router and, for the shards this node does not hold, the data plane to a peer.
/// </summary>
internal static class ClusterMode
{
    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        using Memcaslap load = await Memcaslap.CreateAsync(arguments);
        int memcachedPort = ChildProcess.FreePorts(1)[0];
        Process? memcached = null;
        Console.WriteLine($"{load.Describe}, values {arguments.Int("value-size", 512)} B; Memshack 3 shards x 2 replicas (write quorum all) on {BenchCluster.Nodes} silos, load on node-0's gateway");
        await using BenchCluster cluster = await BenchCluster.StartAsync(arguments);
        try
        {
            memcached = load.StartMemcached(memcachedPort);
            await ChildProcess.WaitForPortAsync(memcachedPort);

            (double gatewayOps, double memcachedOps) = await load.CompareAsync(memcachedPort, cluster.GatewayPort, "cluster_gateway");
            double ratio = gatewayOps / memcachedOps;
            Console.WriteLine(FormattableString.Invariant($"summary: one gateway of a 3-silo cluster (3 shards x 2 replicas) {gatewayOps:F0} ops/s = {ratio:F2}x memcached 1.6 ({memcachedOps:F0} ops/s), medians of {load.Rounds} rounds"));
            return 0;
        }
        catch
        {
            cluster.PrintLog();
            throw;
        }
        finally
        {
            memcached?.Kill();
        }
    }
}

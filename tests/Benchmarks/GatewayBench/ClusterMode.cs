using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.KubeApiServer;
using Mnemo.Silo;

namespace Mnemo.GatewayBench;

/// <summary>
/// memcaslap against one gateway of a three-silo cluster serving a Memshack of 3 shards x 2 replicas
/// (write quorum all), and against memcached, in alternating rounds. Every get and set crosses the
/// Ch3 router and, for the shards this node does not hold, the data plane to a peer.
/// </summary>
internal static class ClusterMode
{
    private const int Nodes = 3;

    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        using Memcaslap load = await Memcaslap.CreateAsync(arguments);
        string work = Path.Combine(Path.GetTempPath(), $"gatewaybench-cluster-{Environment.ProcessId}");
        string manifests = Path.Combine(work, "manifests");
        Directory.CreateDirectory(manifests);
        int[] ports = ChildProcess.FreePorts(4 * Nodes + 1);
        int memcachedPort = ports[^1];
        int gatewayPort = FreeGatewayRange();
        await File.WriteAllTextAsync(Path.Combine(manifests, "bench.yaml"), $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              namespace: default
              name: bench
            spec:
              num_shards: 3
              num_replicas: 2
              mcrouter_port: {gatewayPort}
              writeQuorum: all
            """);

        // Keep the silos' output for a failure report; the figures are all this program prints otherwise.
        var siloLog = new ConcurrentQueue<string>();
        void Log(string line)
        {
            siloLog.Enqueue(line);
            while (siloLog.Count > 200 && siloLog.TryDequeue(out _)) { }
        }

        // Same socket setting as the single-process gateway of the compare mode; the silos inherit it.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var silos = new List<SiloProcess>();
        Process? memcached = null;
        await using EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [arguments.String("crds") ?? Path.Combine("k8s", "crds")] },
            NullLoggerFactory.Instance);
        string kubeconfig = api.WriteKubeconfig(Path.Combine(work, "kubeconfig"));
        await SampleResources.ApplyMissingAsync(api.BaseAddress, manifests);
        try
        {
            Console.WriteLine($"{load.Describe}, values {arguments.Int("value-size", 512)} B; Memshack 3 shards x 2 replicas (write quorum all) on {Nodes} silos, load on node-0's gateway");
            for (int i = 0; i < Nodes; i++)
            {
                string name = $"node-{i}";
                var options = new SiloSettings
                {
                    NodeName = name,
                    SiloPort = ports[i],
                    HealthPort = ports[Nodes + i],
                    DataPort = ports[2 * Nodes + i],
                    GatewayPort = ports[3 * Nodes + i],
                    ClusterId = $"bench{Environment.ProcessId}",
                    Kubeconfig = kubeconfig,
                    Nodes = Enumerable.Range(0, Nodes).Select(j => $"node-{j}").ToArray(),
                    StateDir = Path.Combine(work, name),
                    PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(work, name),
                    PoolCapacity = (ulong)arguments.Int("capacity-mb", 512) << 20,
                    MemshackPortOffset = i,
                };
                silos.Add(SiloProcess.Start(options, Log, arguments.String("silo")));
            }
            memcached = load.StartMemcached(memcachedPort);
            await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
            await ChildProcess.WaitForPortAsync(memcachedPort);
            await WaitUntilEveryShardStoresAsync(gatewayPort, TimeSpan.FromSeconds(90));

            (double gatewayOps, double memcachedOps) = await load.CompareAsync(memcachedPort, gatewayPort, "cluster_gateway");
            double ratio = gatewayOps / memcachedOps;
            Console.WriteLine(FormattableString.Invariant($"summary: one gateway of a 3-silo cluster (3 shards x 2 replicas) {gatewayOps:F0} ops/s = {ratio:F2}x memcached 1.6 ({memcachedOps:F0} ops/s), medians of {load.Rounds} rounds"));
            return 0;
        }
        catch
        {
            Console.Error.WriteLine("last silo output:");
            foreach (string line in siloLog)
                Console.Error.WriteLine(line);
            throw;
        }
        finally
        {
            memcached?.Kill();
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
            foreach (SiloProcess silo in silos)
            {
                silo.Dispose();
                File.Delete(silo.Settings.PoolPath);
            }
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A base port with the next two free as well: node i's gateway listens on base + i.</summary>
    private static int FreeGatewayRange()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int basePort = Random.Shared.Next(20_000, 30_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (int i = 0; i < Nodes; i++)
                {
                    var listener = new TcpListener(System.Net.IPAddress.Loopback, basePort + i);
                    listener.Start();
                    listeners.Add(listener);
                }
                return basePort;
            }
            catch (SocketException)
            {
                // Taken; try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }
        throw new InvalidOperationException("no free range of gateway ports found");
    }

    /// <summary>Polls until sets of keys spread over every shard are all STORED: with quorum all, that
    /// means every replica of every shard answers.</summary>
    private static async Task WaitUntilEveryShardStoresAsync(int port, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        string last = "no answer";
        while (watch.Elapsed < timeout)
        {
            try
            {
                using var tcp = new TcpClient { NoDelay = true };
                await tcp.ConnectAsync("127.0.0.1", port);
                using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
                NetworkStream stream = tcp.GetStream();
                bool stored = true;
                for (int i = 0; i < 30 && stored; i++)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"set gatewaybench:probe:{i} 0 0 1\r\nx\r\n"));
                    last = await reader.ReadLineAsync() ?? "closed";
                    stored = last == "STORED";
                }
                if (stored)
                    return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                last = e.Message;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the cluster gateway on port {port} did not store on every shard within {timeout}; last answer: {last}");
    }
}

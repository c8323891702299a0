using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.Api;
using Mnemo.KubeApiServer;
using Mnemo.Silo;
using Mnemo.Tests.Shared;

namespace Mnemo.GatewayBench;

/// <summary>
/// Three silo processes on loopback, found through an embedded Kubernetes API, serving the Memshack
/// <c>default/bench</c> of 3 shards x 2 replicas (write quorum all): node i's memcached gateway on
/// <see cref="GatewayPort"/> + i, its gRPC API on <see cref="GrpcPort"/>.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const int Nodes = 3;
    public const string Memshack = "bench";

    private readonly string _work;
    private readonly EmbeddedKubeApi _api;
    private readonly List<SiloProcess> _silos = [];
    // The silos' last lines, for a failure report; the figures are all the benchmark prints otherwise.
    private readonly ConcurrentQueue<string> _log = new();

    private BenchCluster(string work, EmbeddedKubeApi api, int gatewayPort)
    {
        _work = work;
        _api = api;
        GatewayPort = gatewayPort;
    }

    /// <summary>Node-0's memcached gateway of the Memshack.</summary>
    public int GatewayPort { get; }

    public int GrpcPort(int node) => _silos[node].Settings.Grpc.Port;

    public static async Task<BenchCluster> StartAsync(BenchArguments arguments)
    {
        string work = Path.Combine(Path.GetTempPath(), $"gatewaybench-cluster-{Environment.ProcessId}");
        string manifests = Path.Combine(work, "manifests");
        Directory.CreateDirectory(manifests);
        int[] ports = ChildProcess.FreePorts(5 * Nodes);
        int gatewayPort = LoopbackPorts.FreeRange(Nodes);
        await File.WriteAllTextAsync(Path.Combine(manifests, "bench.yaml"), $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              namespace: default
              name: {Memshack}
            spec:
              num_shards: 3
              num_replicas: 2
              mcrouter_port: {gatewayPort}
              writeQuorum: all
            """);

        // Same socket setting as the single-process gateway of the compare mode; the silos inherit it.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [arguments.String("crds") ?? Path.Combine("k8s", "crds")] },
            NullLoggerFactory.Instance);
        var cluster = new BenchCluster(work, api, gatewayPort);
        try
        {
            string kubeconfig = api.WriteKubeconfig(Path.Combine(work, "kubeconfig"));
            await SampleResources.ApplyMissingAsync(api.BaseAddress, manifests);
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
                    Grpc = new GrpcGatewayOptions { Port = ports[4 * Nodes + i] },
                    ClusterId = $"bench{Environment.ProcessId}",
                    Kubeconfig = kubeconfig,
                    Nodes = Enumerable.Range(0, Nodes).Select(j => $"node-{j}").ToArray(),
                    StateDir = Path.Combine(work, name),
                    PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(work, name),
                    PoolCapacity = (ulong)arguments.Int("capacity-mb", 512) << 20,
                    MemshackPortOffset = i,
                };
                cluster._silos.Add(SiloProcess.Start(options, cluster.Log, arguments.String("silo")));
            }
            await Task.WhenAll(cluster._silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
            await WaitUntilEveryShardStoresAsync(gatewayPort, TimeSpan.FromSeconds(90));
            return cluster;
        }
        catch
        {
            cluster.PrintLog();
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the silos' last lines to stderr.</summary>
    public void PrintLog()
    {
        Console.Error.WriteLine("last silo output:");
        foreach (string line in _log)
            Console.Error.WriteLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (SiloProcess silo in _silos)
        {
            silo.Dispose();
            File.Delete(silo.Settings.PoolPath);
        }
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private void Log(string line)
    {
        _log.Enqueue(line);
        while (_log.Count > 200 && _log.TryDequeue(out _)) { }
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

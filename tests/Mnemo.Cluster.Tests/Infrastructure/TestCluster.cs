using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.Api;
using Mnemo.Client;
using Mnemo.DataPlane;
using Mnemo.Kubernetes.Certificates;
using Mnemo.Kubernetes;
using Mnemo.KubeApiServer;
using Mnemo.Silo;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// N silos as separate <c>mnemo-silo</c> processes on loopback with free ports and DRAM-emulated
/// pools, finding each other through the embedded Kubernetes API that runs in the test process (a
/// cluster id of their own, so nothing else in the API is mistaken for a member). Supports kill -9
/// and restart.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly SiloProcess?[] _silos;
    private readonly string _stateDir;
    private readonly ConcurrentQueue<string> _log = new();

    private TestCluster(EmbeddedKubeApi api, SiloSettings[] settings, string stateDir, string kubeconfig)
    {
        Api = api;
        Settings = settings;
        _silos = new SiloProcess?[settings.Length];
        _stateDir = stateDir;
        Kubeconfig = kubeconfig;
        Kubernetes = KubernetesConnection.Create(kubeconfig, "default");
    }

    public EmbeddedKubeApi Api { get; }

    public SiloSettings[] Settings { get; }

    public string Kubeconfig { get; }

    public KubernetesConnection Kubernetes { get; }

    public string ClusterId => Settings[0].ClusterId;

    public IReadOnlyList<string> Gateways => Settings.Select(s => $"{s.Host}:{s.GatewayPort}").ToArray();

    /// <summary>Node <paramref name="index"/>'s gRPC API (h2c on loopback).</summary>
    public Uri GrpcAddress(int index) => new($"http://127.0.0.1:{Settings[index].Grpc.Port}");

    /// <summary>Everything the silos printed, prefixed with their node names.</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    /// <param name="configure">Adjusts node i's settings.</param>
    /// <param name="started">How many of the nodes start now (default: all); the others join later with <see cref="StartNodeAsync"/>.
    /// The nodes started now are the silos' <c>--nodes</c>.</param>
    /// <param name="readyTimeout">How long the silos may take to be ready and members (default 90 s, then 60 s).</param>
    public static async Task<TestCluster> StartAsync(int nodes, Func<int, SiloSettings, SiloSettings>? configure = null, int? started = null,
        TimeSpan? readyTimeout = null)
    {
        int initial = started ?? nodes;
        var stateDir = Path.Combine(Path.GetTempPath(), "mnemo-cluster-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(stateDir);
        EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [RepositoryPaths.Crds] }, NullLoggerFactory.Instance);
        string kubeconfig = api.WriteKubeconfig(Path.Combine(stateDir, "kubeconfig"));
        var ports = FreePorts(5 * nodes);
        string clusterId = "t" + Guid.NewGuid().ToString("N")[..10];
        var settings = Enumerable.Range(0, nodes).Select(i => new SiloSettings
        {
            NodeName = $"node-{i}",
            SiloPort = ports[i],
            GatewayPort = ports[nodes + i],
            HealthPort = ports[2 * nodes + i],
            DataPort = ports[3 * nodes + i],
            Grpc = new GrpcGatewayOptions { Port = ports[4 * nodes + i] },
            ClusterId = clusterId,
            Kubeconfig = kubeconfig,
            Nodes = Enumerable.Range(0, initial).Select(n => $"node-{n}").ToArray(),
            StateDir = Path.Combine(stateDir, $"node-{i}"),
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, $"node-{i}"),
            PoolCapacity = 32UL << 20,
        }).Select((s, i) => configure is null ? s : configure(i, s)).ToArray();

        var cluster = new TestCluster(api, settings, stateDir, kubeconfig);
        try
        {
            for (var i = 0; i < initial; i++)
                cluster.Start(i);
            await Task.WhenAll(cluster._silos.Take(initial).Select(s => s!.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(90))));
            await cluster.WaitForMembershipAsync(Enumerable.Range(0, initial).ToArray(), readyTimeout ?? TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public SiloProcess Silo(int index) => _silos[index] ?? throw new InvalidOperationException($"node-{index} is not running");

    /// <summary>A client through the given gateways (default: all of them).</summary>
    public Task<MnemoClient> ConnectAsync(IEnumerable<string>? gateways = null) =>
        MnemoClient.ConnectAsync(new MnemoClientOptions
        {
            Gateways = [.. gateways ?? Gateways],
            ClusterId = ClusterId,
            CallTimeout = TimeSpan.FromSeconds(20),
        });

    /// <summary>kill -9 node <paramref name="index"/> and wait until the process is gone.</summary>
    public async Task KillAsync(int index)
    {
        var silo = Silo(index);
        silo.Kill();
        await silo.WaitForExitAsync();
        silo.Dispose();
        _silos[index] = null;
    }

    /// <summary>SIGTERM node <paramref name="index"/> (graceful shutdown) and wait until the process is gone.</summary>
    public async Task StopAsync(int index)
    {
        var silo = Silo(index);
        await silo.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, silo.ExitCode);
        silo.Dispose();
        _silos[index] = null;
    }

    /// <summary>Starts node <paramref name="index"/> again (a new generation) and waits until it is ready.</summary>
    public Task RestartAsync(int index) => StartNodeAsync(index);

    /// <summary>Starts node <paramref name="index"/> (its first start, or again: a new generation) and waits until it is ready.</summary>
    public async Task StartNodeAsync(int index)
    {
        Start(index);
        await Silo(index).WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>The membership table as the silo behind gateway <paramref name="index"/> reads it: every incarnation.</summary>
    public async Task<IReadOnlyList<MemberInfo>> MembersSeenByAsync(int index)
    {
        await using MnemoClient client = await ConnectAsync([Gateways[index]]);
        return await client.GetMembersAsync();
    }

    /// <summary>Waits until the newest incarnation of exactly the nodes in <paramref name="active"/> is Active, as node active[0] reads the table.</summary>
    public Task WaitForMembershipAsync(int[] active, TimeSpan timeout) =>
        WaitUntilAsync(async () =>
        {
            var expected = active.Select(i => Settings[i].NodeName).Order().ToArray();
            var members = await MembersSeenByAsync(active[0]);
            var newest = members.GroupBy(m => m.Node).Select(g => g.MaxBy(m => m.Generation)!);
            return newest.Where(m => m.Status == "Active").Select(m => m.Node).Order().SequenceEqual(expected);
        }, timeout, $"membership to converge on [{string.Join(", ", active.Select(i => Settings[i].NodeName))}]");

    /// <summary>Polls <paramref name="condition"/> (exceptions count as false) until it holds.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (Exception e)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"timed out after {timeout} waiting for {what}; last error: {last?.Message}\n{Log}");
    }

    /// <summary>
    /// Mutual TLS on the data plane as node <paramref name="index"/> presents it: its certificate from its
    /// Secret, trusting the cluster CA; null when the silos run without TLS.
    /// </summary>
    public PeerTls? NodeTls(int index)
    {
        if (Settings[index].Tls.Mode == SiloTlsMode.Off)
            return null;
        string name = Settings[index].Tls.SecretName ?? ClusterCertificates.NodeSecretName(Settings[index].NodeName);
        TlsSecret secret = TlsSecret.FromSecret(Kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(name, Settings[index].Namespace).GetAwaiter().GetResult());
        X509Certificate2 certificate = secret.LoadCertificate();
        X509Certificate2Collection authorities = secret.LoadAuthorities();
        return new PeerTls(() => certificate, presented => ClusterTrust.Verify(presented, authorities, DateTimeOffset.UtcNow));
    }

    private void Start(int index) => _silos[index] = SiloProcess.Start(Settings[index], _log.Enqueue);

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_silos.Where(s => s is not null).Select(s => s!.StopAsync(TimeSpan.FromSeconds(15))));
        foreach (var silo in _silos)
            silo?.Dispose();
        Kubernetes.Dispose();
        await Api.DisposeAsync();
        foreach (var s in Settings)
            File.Delete(s.PoolPath);
        if (Directory.Exists(_stateDir))
            Directory.Delete(_stateDir, recursive: true);
    }

    internal static int[] FreePorts(int count)
    {
        // Hold every listener until all ports are chosen so no port is handed out twice.
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

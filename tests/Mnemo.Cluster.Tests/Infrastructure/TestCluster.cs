using System.Collections.Concurrent;
using System.Diagnostics;
using Mnemo.Client;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Mnemo.Silo.Hosting;
using Xunit;

namespace Mnemo.Cluster.Tests.Infrastructure;

/// <summary>N silos as separate <c>mnemo-silo</c> processes on loopback with free ports, DRAM-emulated
/// pools and this test assembly loaded for its test grains. Supports kill -9 and restart.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly SiloProcess?[] _silos;
    private readonly string _stateDir;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Http2MessageTransport _transport = new();

    private TestCluster(SiloOptions[] options, string stateDir)
    {
        Options = options;
        _silos = new SiloProcess?[options.Length];
        _stateDir = stateDir;
    }

    public SiloOptions[] Options { get; }

    public IReadOnlyList<string> Gateways => Options.Select(o => $"{o.Host}:{o.SiloPort}").ToArray();

    /// <summary>Everything the silos printed, prefixed with their node names.</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    /// <param name="configure">Adjusts node i's options (extra settings such as Memshack manifests).</param>
    public static async Task<TestCluster> StartAsync(int nodes, Func<int, SiloOptions, SiloOptions>? configure = null)
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "mnemo-cluster-tests", Guid.NewGuid().ToString("N")[..12]);
        var ports = FreePorts(2 * nodes);
        var options = Enumerable.Range(0, nodes).Select(i => new SiloOptions
        {
            NodeName = $"node-{i}",
            SiloPort = ports[i],
            HealthPort = ports[nodes + i],
            Peers = Enumerable.Range(0, nodes).Where(j => j != i).Select(j => $"127.0.0.1:{ports[j]}").ToArray(),
            StateDir = Path.Combine(stateDir, $"node-{i}"),
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, $"node-{i}"),
            PoolCapacity = 32UL << 20,
            GrainAssemblies = [typeof(TestCluster).Assembly.Location],
        }).Select((o, i) => configure is null ? o : configure(i, o)).ToArray();

        var cluster = new TestCluster(options, stateDir);
        try
        {
            for (var i = 0; i < nodes; i++)
                cluster.Start(i);
            await Task.WhenAll(cluster._silos.Select(s => s!.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
            await cluster.WaitForMembershipAsync(Enumerable.Range(0, nodes).ToArray(), TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public SiloProcess Silo(int index) => _silos[index] ?? throw new InvalidOperationException($"node-{index} is not running");

    public Task<ClusterClient> ConnectAsync(IEnumerable<string>? gateways = null, TimeSpan? deadline = null) =>
        ClusterClient.ConnectAsync(new ClusterClientOptions
        {
            Gateways = [.. gateways ?? Gateways],
            DefaultDeadline = deadline ?? TimeSpan.FromSeconds(30),
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
    public async Task RestartAsync(int index)
    {
        Start(index);
        await Silo(index).WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The member list as node <paramref name="index"/> reports it.</summary>
    public async Task<MembersResponse> MembersSeenByAsync(int index)
    {
        var o = Options[index];
        return await _transport.GetMembersAsync(new SiloAddress(o.Host, o.SiloPort, 0, o.NodeName), TimeSpan.FromSeconds(5), CancellationToken.None);
    }

    /// <summary>Waits until every running node in <paramref name="active"/> sees exactly those nodes
    /// (their current incarnations) as Active.</summary>
    public Task WaitForMembershipAsync(int[] active, TimeSpan timeout) =>
        WaitUntilAsync(async () =>
        {
            var expected = active.Select(i => Options[i].NodeName).Order().ToArray();
            foreach (var i in active)
            {
                var seen = await MembersSeenByAsync(i);
                var activeSeen = seen.Members.Where(m => m.Status == MemberStatus.Active).Select(m => m.Address.NodeName).Order();
                if (!activeSeen.SequenceEqual(expected))
                    return false;
            }
            return true;
        }, timeout, $"membership to converge on [{string.Join(", ", active.Select(i => Options[i].NodeName))}]");

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

    private void Start(int index) => _silos[index] = SiloProcess.Start(Options[index], _log.Enqueue);

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_silos.Where(s => s is not null).Select(s => s!.StopAsync(TimeSpan.FromSeconds(15))));
        foreach (var silo in _silos)
            silo?.Dispose();
        _transport.Dispose();
        foreach (var o in Options)
            File.Delete(o.PoolPath);
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

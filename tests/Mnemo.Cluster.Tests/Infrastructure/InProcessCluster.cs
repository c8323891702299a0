using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Mnemo.Client;
using Mnemo.Silo.Hosting;

namespace Mnemo.Cluster.Tests.Infrastructure;

/// <summary>N silos hosted in the test process (real Kestrel servers on free loopback ports, each
/// with its own pool): faster to start than processes; "killing" one drops its connections
/// without a graceful shutdown.</summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly WebApplication?[] _silos;
    private readonly string _stateDir;

    private InProcessCluster(SiloOptions[] options, string stateDir)
    {
        Options = options;
        _silos = new WebApplication?[options.Length];
        _stateDir = stateDir;
    }

    public SiloOptions[] Options { get; }

    public static async Task<InProcessCluster> StartAsync(int nodes)
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "mnemo-cluster-tests", "inproc-" + Guid.NewGuid().ToString("N")[..12]);
        var ports = TestCluster.FreePorts(2 * nodes);
        var options = Enumerable.Range(0, nodes).Select(i => new SiloOptions
        {
            NodeName = $"node-{i}",
            SiloPort = ports[i],
            HealthPort = ports[nodes + i],
            Peers = Enumerable.Range(0, nodes).Where(j => j != i).Select(j => $"127.0.0.1:{ports[j]}").ToArray(),
            StateDir = Path.Combine(stateDir, $"node-{i}"),
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, $"node-{i}"),
            PoolCapacity = 16UL << 20,
        }).ToArray();

        var cluster = new InProcessCluster(options, stateDir);
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                cluster._silos[i] = SiloHost.Build(options[i], logging => logging.ClearProviders());
                await cluster._silos[i]!.StartAsync();
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public Task<ClusterClient> ConnectAsync(int gateway) =>
        ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{Options[gateway].SiloPort}"] });

    /// <summary>Stops node <paramref name="index"/> without draining: connections are reset and it
    /// announces nothing, as if it had crashed.</summary>
    public async Task CrashAsync(int index)
    {
        var silo = _silos[index] ?? throw new InvalidOperationException($"node-{index} is not running");
        _silos[index] = null;
        using var noGrace = new CancellationTokenSource();
        await noGrace.CancelAsync();
        try
        {
            await silo.StopAsync(noGrace.Token);
        }
        catch (OperationCanceledException)
        {
            // Expected: no time was given for a graceful stop.
        }
        await silo.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Where(s => s is not null))
        {
            await silo!.StopAsync();
            await silo.DisposeAsync();
        }
        foreach (var o in Options)
            File.Delete(o.PoolPath);
        if (Directory.Exists(_stateDir))
            Directory.Delete(_stateDir, recursive: true);
    }
}

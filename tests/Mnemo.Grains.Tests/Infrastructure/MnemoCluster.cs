using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.DataPlane;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Mnemo.Grains.Tests;

/// <summary>
/// An <see cref="InProcessTestCluster"/> whose silos are Mnemo nodes: each registers its own
/// <see cref="NodePool"/> (node name = the silo name the test host gives it) and
/// <see cref="ServedMemshacks"/>, and adds Mnemo's grains (node-pinned placement).
/// </summary>
public sealed class MnemoCluster : IAsyncDisposable
{
    /// <summary>Pool capacities step by this much from silo to silo, so each silo's pool is recognisable.</summary>
    public const ulong CapacityStep = 16UL << 20;
    public const ulong BaseCapacity = 32UL << 20;

    private readonly ScratchFolder _folder;
    private readonly ConcurrentDictionary<string, SiloNode> _nodes;

    private MnemoCluster(InProcessTestCluster cluster, ScratchFolder folder, ConcurrentDictionary<string, SiloNode> nodes)
    {
        Cluster = cluster;
        _folder = folder;
        _nodes = nodes;
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>How long the client waits for a response; a request lost with a killed gateway fails after this.</summary>
    public static readonly TimeSpan GatewayLossTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Calls <paramref name="call"/> until it is answered: right after a kill, the client may still send a
    /// request through the dead silo's gateway, where it is lost before any grain runs it.
    /// </summary>
    public static async Task<T> ThroughLiveGatewayAsync<T>(Func<Task<T>> call)
    {
        (bool _, T value) = await Eventually.ReturnsAsync(async () =>
        {
            try
            {
                return (Answered: true, Value: await call());
            }
            catch (Exception e) when (e is TimeoutException or OrleansMessageRejectionException)
            {
                return (Answered: false, Value: default(T)!);
            }
        }, result => result.Answered, "a call through a live gateway");
        return value;
    }

    /// <summary>Every node started, by name, including those whose silo was killed since.</summary>
    public IReadOnlyDictionary<string, SiloNode> Nodes => _nodes;

    /// <summary>The names of the silos that are running, in order.</summary>
    public IReadOnlyList<string> ActiveSiloNames => Cluster.GetActiveSilos().Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();

    public static async Task<MnemoCluster> StartAsync(short silos)
    {
        var folder = new ScratchFolder();
        var nodes = new ConcurrentDictionary<string, SiloNode>(StringComparer.Ordinal);
        int started = 0;
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((options, silo) =>
        {
            // Silos are configured concurrently (one task per silo); each gets a pool of its own size.
            ulong capacity = BaseCapacity + CapacityStep * (ulong)Interlocked.Increment(ref started);
            SiloNode node = SiloNode.StartAsync(options.SiloName, folder.Path, capacity).GetAwaiter().GetResult();
            if (!nodes.TryAdd(options.SiloName, node))
                throw new InvalidOperationException($"two silos are named '{options.SiloName}'");
            silo.Services.AddSingleton(node.NodePool);
            silo.Services.AddSingleton<INodeLogLevel>(node.LogLevel);
            silo.Services.AddSingleton(node.Served);
            silo.Services.AddSingleton<IMemshackHost>(new NoMovesHost(options.SiloName));
            silo.AddMnemoGrains();
        });
        // A killed silo's in-memory connections are not closed: a request the client sent through it is lost
        // and only its response timeout ends it, and the client stops using it once it re-reads the gateways.
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = GatewayLossTimeout);
            client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        InProcessTestCluster cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            foreach (SiloNode node in nodes.Values)
                await node.DisposeAsync();
            folder.Dispose();
            throw;
        }
        return new MnemoCluster(cluster, folder, nodes);
    }

    public InProcessSiloHandle Silo(string name) => Cluster.Silos.Single(s => s.Name == name);

    public T SiloService<T>(string name) where T : notnull => Silo(name).ServiceProvider.GetRequiredService<T>();

    /// <summary>Kills the silo (the test host's simulated crash) and waits until every other silo sees it Dead.</summary>
    public async Task KillAsync(string name)
    {
        InProcessSiloHandle silo = Silo(name);
        await Cluster.KillSiloAsync(silo);
        await WaitUntilSeenDeadAsync(silo.SiloAddress);
    }

    /// <summary>Waits until the membership of every running silo has <paramref name="address"/> as Dead.</summary>
    public Task WaitUntilSeenDeadAsync(SiloAddress address) =>
        Eventually.HoldsAsync(
            () => Task.FromResult(Cluster.GetActiveSilos().All(s =>
                s.ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(address) == SiloStatus.Dead)),
            $"the surviving silos to see {address} Dead");

    /// <summary>Serves <paramref name="memshack"/> on every node (each with its own replica sets), as every Mnemo silo does.</summary>
    public void Serve(string memshack, IReadOnlyList<IReadOnlyList<string>> shardNodes, WriteQuorum quorum)
    {
        string[] names = _nodes.Keys.Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < names.Length; i++)
            _nodes[names[i]].Serve(memshack, shardNodes, _nodes, quorum, ordinal: i);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        foreach (SiloNode node in _nodes.Values)
            await node.DisposeAsync();
        _folder.Dispose();
    }
}

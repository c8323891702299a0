using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.Runtime;

namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>N silos in one process over a <see cref="LoopbackTransport"/>, each with its own
/// membership view that the cluster keeps in agreement (or, for tests, deliberately not).</summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];
    private readonly List<TestSilo> _killed = [];
    private readonly Action<GrainRuntimeOptions>? _configure;
    private readonly Action<IServiceCollection>? _addServices;
    private int _nextPort = 11000;

    private InProcessCluster(Action<GrainRuntimeOptions>? configure, Action<IServiceCollection>? addServices)
    {
        _configure = configure;
        _addServices = addServices;
    }

    public LoopbackTransport Transport { get; } = new();

    public IReadOnlyList<TestSilo> Silos => _silos;

    public static async Task<InProcessCluster> StartAsync(
        int siloCount, Action<GrainRuntimeOptions>? configure = null, Action<IServiceCollection>? addServices = null)
    {
        var cluster = new InProcessCluster(configure, addServices);
        SiloAddress[] addresses = Enumerable.Range(0, siloCount).Select(_ => cluster.NextAddress()).ToArray();
        foreach (SiloAddress address in addresses)
        {
            cluster._silos.Add(await TestSilo.StartAsync(address, cluster.Transport, addresses, configure, addServices));
        }

        return cluster;
    }

    /// <summary>Starts one more silo and tells the views of the silos <paramref name="tell"/> picks
    /// (all by default) about it; the others keep a stale view.</summary>
    public async Task<TestSilo> AddSiloAsync(Func<TestSilo, bool>? tell = null)
    {
        SiloAddress address = NextAddress();
        SiloAddress[] members = [.. _silos.Select(s => s.Address), address];
        TestSilo silo = await TestSilo.StartAsync(address, Transport, members, _configure, _addServices);
        _silos.Add(silo);
        foreach (TestSilo other in _silos.Where(o => o == silo || tell is null || tell(o)))
        {
            other.Membership.SetStatus(address, SiloStatus.Active);
        }

        return silo;
    }

    /// <summary>Crashes a silo: its connections drop at once and the others' views mark it dead.</summary>
    public void Kill(TestSilo silo)
    {
        Transport.Disconnect(silo.Address);
        _silos.Remove(silo);
        _killed.Add(silo);
        foreach (TestSilo other in _silos)
        {
            other.Membership.SetStatus(silo.Address, SiloStatus.Dead);
        }
    }

    public TestSilo SiloOn(string nodeName) => _silos.Single(s => s.Address.NodeName == nodeName);

    public int CountActivations(GrainId grain) => _silos.Count(s => s.Catalog.IsActivated(grain));

    public async ValueTask DisposeAsync()
    {
        foreach (TestSilo silo in _silos.Concat(_killed))
        {
            await silo.DisposeAsync();
        }
    }

    private SiloAddress NextAddress()
    {
        int port = _nextPort++;
        return new SiloAddress("127.0.0.1", port, Generation: 1, NodeName: $"node-{port - 11000}");
    }
}

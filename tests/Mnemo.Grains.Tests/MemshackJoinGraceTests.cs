using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Grains.Interfaces;
using Orleans.TestingHost;

namespace Mnemo.Grains.Tests;

/// <summary>
/// The move coordinator's wait for a joining node that is not Active outlives the coordinator's activation:
/// the wait's start is recorded in the Memshack's status, and a new activation (its silo died, or it was
/// deactivated) goes on from there, so the node is left out when the grace period recorded ends, not a grace
/// period after each new activation. A Memshack of one shard and one replica is served on node-a; node-b is
/// registered but never starts.
/// </summary>
public sealed class MemshackJoinGraceTests : IAsyncLifetime
{
    private const string Namespace = "default";
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static readonly MemshackTopology Served = new(1, 1, ["node-a"]);

    private readonly StatusStore _store = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMnemoGrains();
            silo.Services.AddSingleton<IMemshackStatusStore>(_store);
            silo.Services.AddSingleton<IKnownNodes>(new FixedNodes(["node-a", "node-b"]));
            silo.Services.Configure<MemshackPlacementOptions>(options => options.JoinGrace = Grace);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_coordinator_activated_anew_goes_on_with_the_recorded_wait_instead_of_starting_it_again()
    {
        _store.Serve("cache", Served, placement: null);
        DateTimeOffset before = DateTimeOffset.UtcNow;
        Assert.Null(await Coordinator("cache").ReconcileAsync());
        MemshackPlacementNotice? first = _store.Placement("cache");
        Assert.NotNull(first);
        Assert.Equal(MemshackPlacementNotice.WaitingForNodes, first.Reason);
        InactiveNode wait = Assert.Single(first.InactiveSince);
        Assert.Equal("node-b", wait.Node);
        Assert.InRange(wait.Since, before, DateTimeOffset.UtcNow);
        int writes = _store.PlacementWrites("cache");

        await DeactivateCoordinatorsAsync();
        Assert.Null(await Coordinator("cache").ReconcileAsync());

        // Still waited for, since the recorded start: nothing new to record.
        Assert.Equal(writes, _store.PlacementWrites("cache"));
        Assert.Equal([wait], _store.Placement("cache")!.InactiveSince);
    }

    [Fact]
    public async Task A_new_coordinator_leaves_the_node_out_once_the_recorded_wait_is_longer_than_the_grace_period()
    {
        // What a coordinator whose silo died recorded six minutes ago, a minute before the grace period ended.
        DateTimeOffset since = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(6);
        var recorded = new MemshackPlacementNotice(MemshackPlacementNotice.WaitingForNodes, ["node-b"], [], "waiting for node-b", [new InactiveNode("node-b", since)]);
        _store.Serve("orphaned", Served, recorded);

        Assert.Null(await Coordinator("orphaned").ReconcileAsync());

        MemshackPlacementNotice? placement = _store.Placement("orphaned");
        Assert.NotNull(placement);
        Assert.Equal(MemshackPlacementNotice.NodesLeftOut, placement.Reason);
        Assert.Equal(["node-b"], placement.LeftOut);
        Assert.Equal([new InactiveNode("node-b", since)], placement.InactiveSince);
    }

    private IMemshackTopologyGrain Coordinator(string memshack) => _cluster.Client.GetGrain<IMemshackTopologyGrain>($"{Namespace}/{memshack}");

    /// <summary>Deactivates every idle grain and waits until no coordinator is active, so the next call activates a new one.</summary>
    private async Task DeactivateCoordinatorsAsync()
    {
        IManagementGrain management = _cluster.Client.GetGrain<IManagementGrain>(0);
        Assert.True(await ActiveCoordinatorsAsync(management) > 0);
        await Eventually.HoldsAsync(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            return await ActiveCoordinatorsAsync(management) == 0;
        }, "the coordinator to be deactivated");
    }

    private static async Task<int> ActiveCoordinatorsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains(nameof(MemshackTopologyGrain), StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);

    private sealed class FixedNodes(IReadOnlyList<string> nodes) : IKnownNodes
    {
        public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(nodes);
    }

    /// <summary>Memshack resources in memory, as the status store keeps them, counting the placement notices written.</summary>
    private sealed class StatusStore : IMemshackStatusStore
    {
        private readonly ConcurrentDictionary<string, MemshackState> _states = new();
        private readonly ConcurrentDictionary<string, int> _placementWrites = new();

        public void Serve(string name, MemshackTopology served, MemshackPlacementNotice? placement) =>
            _states[name] = new MemshackState(new MemshackResource(name, Namespace, new MemshackSpec { NumShards = 1, NumReplicas = 1 }), served, null, placement);

        public MemshackPlacementNotice? Placement(string name) => _states[name].Placement;

        public int PlacementWrites(string name) => _placementWrites.GetValueOrDefault(name);

        public Task<MemshackState?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult(_states.GetValueOrDefault(name));

        public Task WriteAsync(string @namespace, string name, MemshackTopology served, MemshackMove? move, CancellationToken cancellationToken)
        {
            _states.AddOrUpdate(name, _ => throw new InvalidOperationException($"no Memshack {name}"), (_, s) => s with { Served = served, Move = move });
            return Task.CompletedTask;
        }

        public Task WritePlacementAsync(string @namespace, string name, MemshackPlacementNotice? notice, CancellationToken cancellationToken)
        {
            _states.AddOrUpdate(name, _ => throw new InvalidOperationException($"no Memshack {name}"), (_, s) => s with { Placement = notice });
            _placementWrites.AddOrUpdate(name, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;
using Mnemo.Silo.Runtime.Placement;

namespace Mnemo.Runtime.Tests;

/// <summary>Several silos in one process over the loopback transport.</summary>
public sealed class ClusterTests
{
    private readonly Probe _probe = new();

    [Fact]
    public async Task Calls_from_every_silo_and_a_client_land_on_one_activation()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(3, addServices: s => s.AddSingleton(_probe));
        IGrainFactory client = TestClient.Connect(cluster, cluster.Silos[2]);
        IEnumerable<IGrainFactory> callers = [.. cluster.Silos.Select(s => s.GrainFactory), client];
        int[] counts = await Task.WhenAll(callers.SelectMany(f => Enumerable.Range(0, 10).Select(_ => f.GetGrain<IEchoGrain>("shared").Increment())));

        Assert.Equal(Enumerable.Range(1, 40), counts.Order());
        Assert.Equal(1, cluster.CountActivations(new GrainId("echo", "shared")));
    }

    [Fact]
    public async Task A_silo_with_a_stale_view_is_redirected_by_wrong_silo_answers()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(3, addServices: s => s.AddSingleton(_probe));
        TestSilo stale = cluster.Silos[0];
        TestSilo joined = await cluster.AddSiloAsync(tell: s => s != stale);

        // A grain the new silo owns, that the stale silo places on another old silo (not itself).
        string key = Enumerable.Range(0, 10_000).Select(i => "moved-" + i).First(k =>
            Owner(joined, k) == joined.Address && Owner(stale, k) is { } old && old != stale.Address && old != joined.Address);

        int sentBefore = cluster.Transport.SentCount;
        Assert.Equal(joined.Address.NodeName, await stale.GrainFactory.GetGrain<IEchoGrain>(key).WhereAmI());
        Assert.Equal(2, cluster.Transport.SentCount - sentBefore);
        Assert.Equal(1, cluster.CountActivations(new GrainId("echo", key)));
    }

    [Fact]
    public async Task Forwarding_stops_after_the_hop_limit()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(3, configure: o => o.MaxForwardHops = 1, addServices: s => s.AddSingleton(_probe));
        // Silos 1 and 2 each believe the other is the only active silo: a request bounces between them.
        TestSilo one = cluster.Silos[1];
        TestSilo two = cluster.Silos[2];
        one.Membership.SetMembers([new(two.Address, Membership.SiloStatus.Active, DateTimeOffset.UtcNow)]);
        two.Membership.SetMembers([new(one.Address, Membership.SiloStatus.Active, DateTimeOffset.UtcNow)]);
        cluster.Silos[0].Membership.SetMembers([new(one.Address, Membership.SiloStatus.Active, DateTimeOffset.UtcNow)]);

        var error = await Assert.ThrowsAsync<Mnemo.Runtime.Invocation.WrongSiloException>(() => cluster.Silos[0].GrainFactory.GetGrain<IEchoGrain>("bounce").Ping());
        Assert.Contains("belongs to", error.Message);
        Assert.Equal(0, cluster.CountActivations(new GrainId("echo", "bounce")));
    }

    [Fact]
    public async Task Grains_of_a_dead_silo_activate_on_a_survivor_at_the_next_call()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(3, addServices: s => s.AddSingleton(_probe));
        TestSilo caller = cluster.Silos[0];
        string key = Enumerable.Range(0, 1000).Select(i => "survivor-" + i).First(k => Owner(caller, k) != caller.Address);
        IEchoGrain grain = caller.GrainFactory.GetGrain<IEchoGrain>(key);
        string firstHome = await grain.WhereAmI();
        Assert.Equal(1, await grain.Increment());

        // A call in flight when its silo dies fails fast instead of waiting for the deadline.
        int sent = cluster.Transport.SentCount;
        Task<int> inFlight = grain.Wait(20_000, CancellationToken.None);
        await Eventually.TrueAsync(() => cluster.Transport.SentCount > sent, "the call was sent");
        cluster.Kill(cluster.SiloOn(firstHome));
        var failure = await Assert.ThrowsAsync<SiloUnavailableException>(() => inFlight.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(firstHome, failure.Silo.NodeName);

        string secondHome = await grain.WhereAmI();
        Assert.NotEqual(firstHome, secondHome);
        Assert.Equal(1, await grain.Increment());
        Assert.Equal(1, cluster.CountActivations(new GrainId("echo", key)));
    }

    [Fact]
    public async Task A_joining_silo_takes_over_its_grains_and_the_old_activations_are_deactivated()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(2, addServices: s => s.AddSingleton(_probe));
        string[] keys = [.. Enumerable.Range(0, 60).Select(i => "rebalance-" + i)];
        foreach (string key in keys)
        {
            Assert.Equal(1, await cluster.Silos[0].GrainFactory.GetGrain<IEchoGrain>(key).Increment());
        }

        TestSilo joined = await cluster.AddSiloAsync();
        string[] moving = [.. keys.Where(k => Owner(joined, k) == joined.Address)];
        Assert.InRange(moving.Length, 5, 40);
        await Eventually.TrueAsync(
            () => moving.All(k => !cluster.Silos[0].Catalog.IsActivated(new GrainId("echo", k)) && !cluster.Silos[1].Catalog.IsActivated(new GrainId("echo", k))),
            "moved grains were deactivated on their old silos");

        foreach (string key in keys)
        {
            IEchoGrain grain = cluster.Silos[1].GrainFactory.GetGrain<IEchoGrain>(key);
            // Moved grains start over on the new silo (state is in memory only); the others keep theirs.
            Assert.Equal(moving.Contains(key) ? 1 : 2, await grain.Increment());
            Assert.Equal(moving.Contains(key), await grain.WhereAmI() == joined.Address.NodeName);
            Assert.Equal(1, cluster.CountActivations(new GrainId("echo", key)));
        }
    }

    private static SiloAddress? Owner(TestSilo silo, string echoKey) =>
        silo.Services.GetRequiredService<GrainLocator>().Locate(new GrainId("echo", echoKey));
}

using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;
using Mnemo.Silo.Runtime.Placement;

namespace Mnemo.Runtime.Tests;

public sealed class PlacementTests
{
    private const int GrainCount = 20_000;

    [Fact]
    public void Hash_placement_spreads_grains_evenly()
    {
        SiloAddress[] silos = Silos(5);
        Dictionary<SiloAddress, int> counts = PlaceAll(silos).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, GrainCount / 5 * 0.9, GrainCount / 5 * 1.1));
    }

    [Fact]
    public void A_joining_silo_takes_about_one_in_n_grains_and_nothing_else_moves()
    {
        SiloAddress[] before = Silos(5);
        SiloAddress[] after = Silos(6);
        SiloAddress[] placedBefore = PlaceAll(before);
        SiloAddress[] placedAfter = PlaceAll(after);

        int moved = 0;
        for (int i = 0; i < GrainCount; i++)
        {
            if (placedBefore[i] != placedAfter[i])
            {
                moved++;
                Assert.Equal(after[5], placedAfter[i]);
            }
        }

        Assert.InRange(moved, GrainCount / 6 * 0.9, GrainCount / 6 * 1.1);
    }

    [Fact]
    public void A_leaving_silo_moves_only_its_own_grains()
    {
        SiloAddress[] before = Silos(5);
        SiloAddress gone = before[2];
        SiloAddress[] placedBefore = PlaceAll(before);
        SiloAddress[] placedAfter = PlaceAll([.. before.Where(s => s != gone)]);
        for (int i = 0; i < GrainCount; i++)
        {
            Assert.True(placedBefore[i] == gone || placedBefore[i] == placedAfter[i], $"grain {i} moved although its silo stayed");
        }
    }

    [Fact]
    public void A_restarted_silo_gets_its_grains_back()
    {
        SiloAddress[] silos = Silos(4);
        SiloAddress[] restarted = [.. silos.Select(s => s == silos[1] ? s with { Generation = s.Generation + 1 } : s)];
        SiloAddress[] placedBefore = PlaceAll(silos);
        SiloAddress[] placedAfter = PlaceAll(restarted);
        for (int i = 0; i < GrainCount; i++)
        {
            Assert.Equal(placedBefore[i].Endpoint, placedAfter[i].Endpoint);
        }
    }

    [Fact]
    public void No_active_silo_means_no_owner()
    {
        var view = new StaticMembershipView(null, []);
        Assert.Null(new HashPlacementDirector().PlaceGrain(new GrainId("echo", "x"), view));
        Assert.Null(new NodePinnedPlacementDirector().PlaceGrain(new GrainId("node", "n1"), view));
        Assert.Null(new LeaderPlacementDirector(new LowestSiloLeaderSelector()).PlaceGrain(new GrainId("leader", "x"), view));
    }

    [Fact]
    public void Node_pinned_placement_follows_the_node_name_and_leader_is_the_lowest_silo()
    {
        SiloAddress[] silos = Silos(3);
        var view = new StaticMembershipView(null, silos.Reverse());
        Assert.Equal(silos[1], new NodePinnedPlacementDirector().PlaceGrain(new GrainId("node", silos[1].NodeName), view));
        Assert.Null(new NodePinnedPlacementDirector().PlaceGrain(new GrainId("node", "elsewhere"), view));
        Assert.Equal(silos[0], new LeaderPlacementDirector(new LowestSiloLeaderSelector()).PlaceGrain(new GrainId("leader", "x"), view));
        view.SetStatus(silos[0], SiloStatus.Dead);
        Assert.Equal(silos[1], new LeaderPlacementDirector(new LowestSiloLeaderSelector()).PlaceGrain(new GrainId("leader", "x"), view));
    }

    [Fact]
    public async Task Node_pinned_and_leader_grains_run_where_they_belong_whoever_calls()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(3);
        foreach (TestSilo caller in cluster.Silos)
        {
            foreach (TestSilo target in cluster.Silos)
            {
                Assert.Equal(target.Address.NodeName, await caller.GrainFactory.GetGrain<INodeGrain>(target.Address.NodeName).WhereAmI());
            }

            Assert.Equal("node-0", await caller.GrainFactory.GetGrain<ILeaderGrain>("reconciler").WhereAmI());
        }

        var error = await Assert.ThrowsAsync<Mnemo.Runtime.Invocation.WrongSiloException>(() => cluster.Silos[0].GrainFactory.GetGrain<INodeGrain>("node-9").WhereAmI());
        Assert.Contains("no active silo", error.Message);

        // The leader leaves: the singleton moves to the next silo.
        cluster.Kill(cluster.Silos[0]);
        Assert.Equal("node-1", await cluster.Silos[1].GrainFactory.GetGrain<ILeaderGrain>("reconciler").WhereAmI());
    }

    private static SiloAddress[] Silos(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new SiloAddress("10.0.0." + (i + 1), 7000, 1, "n" + i))];

    private static SiloAddress[] PlaceAll(SiloAddress[] silos)
    {
        var director = new HashPlacementDirector();
        var view = new StaticMembershipView(null, silos);
        return [.. Enumerable.Range(0, GrainCount).Select(i => director.PlaceGrain(new GrainId("echo", "key-" + i), view)!)];
    }
}

using Xunit.Abstractions;

namespace Mnemo.Grains.Tests;

/// <summary>Grains with Orleans' default placement spread over the silos and move to a survivor when theirs dies.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Grains = 30;

    [Fact]
    public async Task Default_placement_spreads_grains_and_a_grain_of_a_killed_silo_reactivates_on_a_survivor_and_keeps_answering()
    {
        await using MnemoCluster cluster = await MnemoCluster.StartAsync(3);
        var before = new Dictionary<long, WhereAnswer>();
        for (long key = 0; key < Grains; key++)
            before[key] = await cluster.Client.GetGrain<IWhereGrain>(key).AskAsync();
        ILookup<string, long> bySilo = before.ToLookup(p => p.Value.Silo, p => p.Key);
        output.WriteLine("placement: " + string.Join(", ", bySilo.Select(g => $"{g.Key}={g.Count()}")));
        Assert.All(before.Values, a => Assert.Equal(1, a.Calls));
        Assert.True(bySilo.Count > 1, $"all {Grains} activations are on {string.Join(", ", bySilo.Select(g => g.Key))}");
        Assert.All(bySilo, g => Assert.Contains(g.Key, cluster.ActiveSiloNames));

        string victim = bySilo.OrderByDescending(g => g.Count()).First().Key;
        long[] moved = [.. bySilo[victim]];
        long[] stayed = [.. before.Keys.Except(moved)];
        IWhereGrain watched = cluster.Client.GetGrain<IWhereGrain>(moved[0]);
        Assert.Equal(before[moved[0]] with { Calls = 2 }, await watched.AskAsync());
        Assert.Equal(before[moved[0]] with { Calls = 3 }, await watched.AskAsync());

        await cluster.KillAsync(victim);
        string[] survivors = [.. cluster.ActiveSiloNames];
        Assert.DoesNotContain(victim, survivors);

        foreach (long key in moved)
        {
            WhereAnswer after = await MnemoCluster.ThroughLiveGatewayAsync(() => cluster.Client.GetGrain<IWhereGrain>(key).AskAsync());
            Assert.Contains(after.Silo, survivors);
            Assert.NotEqual(before[key].Activation, after.Activation);
            Assert.Equal(1, after.Calls);
        }
        WhereAnswer reactivated = await MnemoCluster.ThroughLiveGatewayAsync(watched.AskAsync);
        Assert.Equal(2, reactivated.Calls);
        Assert.Equal(reactivated with { Calls = 3 }, await MnemoCluster.ThroughLiveGatewayAsync(watched.AskAsync));
        output.WriteLine($"grain {moved[0]} moved from {victim} to {reactivated.Silo}");

        // The grains of the surviving silos were not disturbed.
        foreach (long key in stayed)
            Assert.Equal(before[key] with { Calls = 2 }, await MnemoCluster.ThroughLiveGatewayAsync(() => cluster.Client.GetGrain<IWhereGrain>(key).AskAsync()));
    }
}

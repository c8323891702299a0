using System.Diagnostics;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>kill -9 and graceful stops of silo processes; each test runs its own cluster.</summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_killed_silo_is_declared_dead_its_node_grains_fail_fast_and_it_returns_as_a_new_generation(int victim)
    {
        await using var cluster = await TestCluster.StartAsync(3);
        int survivor = victim == 0 ? 1 : 0;
        string node = $"node-{victim}";
        int oldGeneration = (await cluster.MembersSeenByAsync(survivor)).Single(m => m.Node == node).Generation;
        await using MnemoClient client = await cluster.ConnectAsync([cluster.Gateways[survivor]]);
        Assert.Equal(node, (await client.GetNodeUsageAsync(node)).NodeName);

        var watch = Stopwatch.StartNew();
        await cluster.KillAsync(victim);
        await cluster.WaitUntilAsync(async () =>
            (await cluster.MembersSeenByAsync(survivor)).Single(m => m.Node == node && m.Generation == oldGeneration).Status == "Dead",
            TimeSpan.FromSeconds(30), $"{node} to be declared dead");
        TimeSpan declared = watch.Elapsed;
        // The survivors' placement now knows: the node's grains fail at once, naming the node, and never activate elsewhere.
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => client.GetNodeUsageAsync(node));
        Assert.Contains($"node '{node}' has no active silo", failure.Message);
        output.WriteLine($"kill -9 of {node} to Dead in the membership table: {declared.TotalMilliseconds:0} ms");
        Assert.True(declared < TimeSpan.FromSeconds(15), $"took {declared}");

        await cluster.RestartAsync(victim);
        await cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(30));
        var incarnations = (await cluster.MembersSeenByAsync(survivor)).Where(m => m.Node == node).ToList();
        Assert.Equal(2, incarnations.Count);
        Assert.Equal("Dead", incarnations.Single(m => m.Generation == oldGeneration).Status);
        Assert.Equal("Active", incarnations.Single(m => m.Generation != oldGeneration).Status);
        Assert.True(incarnations.Max(m => m.Generation) > oldGeneration);
        Assert.Equal(node, (await client.GetNodeUsageAsync(node)).NodeName);
    }

    [Fact]
    public async Task Client_fails_over_to_another_gateway_when_its_gateway_dies()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await using MnemoClient client = await cluster.ConnectAsync([cluster.Gateways[0], cluster.Gateways[1]]);
        Assert.Equal("node-2", (await client.GetNodeUsageAsync("node-2")).NodeName);

        await cluster.KillAsync(0);

        await cluster.WaitUntilAsync(async () => (await client.GetNodeUsageAsync("node-2")).NodeName == "node-2",
            TimeSpan.FromSeconds(30), "a call through the surviving gateway");
        var members = await client.GetMembersAsync();
        Assert.Contains(members, m => m.Node == "node-1" && m.Status == "Active");
    }

    [Fact]
    public async Task Graceful_stop_leaves_the_cluster_before_the_process_exits()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        var watch = Stopwatch.StartNew();
        await cluster.StopAsync(1);
        TimeSpan stopped = watch.Elapsed;

        // No probe was needed: the silo wrote its own departure into the table before it exited.
        var seen = (await cluster.MembersSeenByAsync(0)).Single(m => m.Node == "node-1");
        Assert.Equal("Dead", seen.Status);
        output.WriteLine($"SIGTERM to exit: {stopped.TotalMilliseconds:0} ms");
        await using MnemoClient client = await cluster.ConnectAsync([cluster.Gateways[0]]);
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => client.GetNodeUsageAsync("node-1"));
        Assert.Contains("node 'node-1' has no active silo", failure.Message);
    }
}

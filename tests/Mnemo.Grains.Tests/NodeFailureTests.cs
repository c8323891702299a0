using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains.Tests;

/// <summary>A node-pinned grain whose node is gone fails with <see cref="NodeUnavailableException"/> instead of moving.</summary>
public sealed class NodeFailureTests
{
    [Fact]
    public async Task A_node_grain_of_a_killed_silo_fails_with_NodeUnavailableException_naming_the_node_and_never_activates_elsewhere()
    {
        await using MnemoCluster cluster = await MnemoCluster.StartAsync(3);
        string[] silos = [.. cluster.ActiveSiloNames];
        string victim = silos[1];
        foreach (string silo in silos)
            Assert.Equal(silo, (await cluster.Client.GetGrain<INodeMemoryGrain>(silo).GetUsageAsync()).NodeName);
        INodeMemoryGrain pinned = cluster.Client.GetGrain<INodeMemoryGrain>(victim);

        await cluster.KillAsync(victim);

        var e = await Assert.ThrowsAsync<NodeUnavailableException>(() => MnemoCluster.ThroughLiveGatewayAsync(pinned.GetUsageAsync));
        Assert.Equal(victim, e.Node);
        Assert.Equal($"node '{victim}' has no active silo; its grains live only there", e.Message);
        Assert.Equal(victim, (await Assert.ThrowsAsync<NodeUnavailableException>(() => MnemoCluster.ThroughLiveGatewayAsync(() => pinned.CreateRegionAsync("after-kill")))).Node);
        Assert.Null(cluster.Nodes[victim].Pool.FindRegion("after-kill"));
        Assert.False(cluster.Cluster.TryGetGrainContext(pinned.GetGrainId(), out _), "the killed node's grain is active on another silo");

        // The survivors' grains still answer from their own silos, with their own pools.
        foreach (string survivor in silos.Where(s => s != victim))
        {
            INodeMemoryGrain grain = cluster.Client.GetGrain<INodeMemoryGrain>(survivor);
            NodeUsage usage = await MnemoCluster.ThroughLiveGatewayAsync(grain.GetUsageAsync);
            Assert.Equal(survivor, usage.NodeName);
            Assert.Equal(cluster.Nodes[survivor].Capacity, usage.CapacityBytes);
            Assert.True(cluster.Cluster.TryGetGrainContext(grain.GetGrainId(), out IGrainContext? activation));
            Assert.Equal(cluster.Silo(survivor).SiloAddress, activation.Address.SiloAddress);
        }

        // A silo joining later gets a new name of its own (the test host never reuses one), so the node stays unavailable.
        string joined = (await cluster.Cluster.StartAdditionalSiloAsync()).Name;
        Assert.DoesNotContain(joined, silos);
        Assert.Equal(joined, (await MnemoCluster.ThroughLiveGatewayAsync(cluster.Client.GetGrain<INodeMemoryGrain>(joined).GetUsageAsync)).NodeName);
        Assert.Equal(victim, (await Assert.ThrowsAsync<NodeUnavailableException>(() => MnemoCluster.ThroughLiveGatewayAsync(pinned.ListRegionsAsync))).Node);
        Assert.False(cluster.Cluster.TryGetGrainContext(pinned.GetGrainId(), out _), "the killed node's grain is active on another silo");
    }
}

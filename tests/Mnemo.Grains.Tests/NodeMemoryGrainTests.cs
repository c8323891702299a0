using Microsoft.Extensions.Logging;
using System.Text;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;

namespace Mnemo.Grains.Tests;

/// <summary>Node-pinned placement of <see cref="INodeMemoryGrain"/> and region management through it.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class NodeMemoryGrainTests(SharedCluster shared)
{
    private MnemoCluster Cluster => shared.Cluster;

    [Fact]
    public async Task Each_node_grain_activates_on_the_silo_of_its_name_and_reports_that_silos_own_pool()
    {
        IReadOnlyList<string> silos = Cluster.ActiveSiloNames;
        Assert.Equal(["Silo_0", "Silo_1", "Silo_2"], silos);

        var capacities = new HashSet<ulong>();
        foreach (string silo in silos)
        {
            INodeMemoryGrain grain = Cluster.Client.GetGrain<INodeMemoryGrain>(silo);
            NodeUsage usage = await grain.GetUsageAsync();

            Assert.Equal(silo, usage.NodeName);
            Assert.Equal(Cluster.Nodes[silo].Capacity, usage.CapacityBytes);
            Assert.Equal("emulation", usage.DeviceMode);
            Assert.InRange(usage.DataCapacityBytes, 1UL, usage.CapacityBytes - 1);
            Assert.True(Cluster.Cluster.TryGetGrainContext(grain.GetGrainId(), out IGrainContext? activation));
            Assert.Equal(Cluster.Silo(silo).SiloAddress, activation.Address.SiloAddress);
            capacities.Add(usage.CapacityBytes);
        }
        Assert.Equal(silos.Count, capacities.Count);
    }

    [Fact]
    public async Task A_targets_log_level_is_switched_on_that_silo_only_and_reported_in_force_even_when_the_pool_refuses_the_rest()
    {
        string node = Cluster.ActiveSiloNames[0];
        string other = Cluster.ActiveSiloNames[1];
        INodeMemoryGrain grain = Cluster.Client.GetGrain<INodeMemoryGrain>(node);
        long capacity = (long)(await grain.GetUsageAsync()).CapacityBytes;
        try
        {
            NodePoolState debug = await grain.ApplyPoolTargetAsync(new NodePoolTarget(capacity, null, "emulation", null, "Debug"));
            Assert.Equal((true, "Debug"), (debug.Ready, debug.LogLevel));
            Assert.Equal(LogLevel.Debug, Cluster.Nodes[node].LogLevel.Current);
            Assert.Equal(LogLevel.Information, Cluster.Nodes[other].LogLevel.Current);

            // Without a level the one in force stays and is reported.
            NodePoolState kept = await grain.ApplyPoolTargetAsync(new NodePoolTarget(capacity, null, "emulation"));
            Assert.Equal("Debug", kept.LogLevel);

            NodePoolState refused = await grain.ApplyPoolTargetAsync(new NodePoolTarget(capacity, null, "fsdax", null, "Warning"));
            Assert.Equal((false, "Warning"), (refused.Ready, refused.LogLevel));
            Assert.Equal(LogLevel.Warning, Cluster.Nodes[node].LogLevel.Current);
        }
        finally
        {
            await grain.ApplyPoolTargetAsync(new NodePoolTarget(capacity, null, "emulation", null, "Information"));
        }
        Assert.Equal(LogLevel.Information, Cluster.Nodes[node].LogLevel.Current);
    }

    [Fact]
    public async Task Regions_created_listed_and_dropped_through_a_node_grain_act_on_that_nodes_pool_only()
    {
        string node = Cluster.ActiveSiloNames[1];
        string other = Cluster.ActiveSiloNames[2];
        INodeMemoryGrain grain = Cluster.Client.GetGrain<INodeMemoryGrain>(node);
        string name = $"grain-tests-{Guid.NewGuid():N}";

        RegionUsage created = await grain.CreateRegionAsync(name);

        Assert.Equal(new RegionUsage(name, 0, 0, 0, 0, 0), created);
        EnginePool pool = Cluster.Nodes[node].Pool;
        Region region = Assert.NotNull(pool.FindRegion(name));
        Assert.Null(Cluster.Nodes[other].Pool.FindRegion(name));
        Assert.DoesNotContain(await Cluster.Client.GetGrain<INodeMemoryGrain>(other).ListRegionsAsync(), r => r.Name == name);

        // An item written into the node's engine shows in what the grain reports for the region and the node.
        Assert.Equal(EngineStatus.Ok, pool.Store(region, StoreMode.Set, Encoding.ASCII.GetBytes("key"), Encoding.ASCII.GetBytes("value"), 0, 0, out _));
        RegionUsage listed = Assert.Single(await grain.ListRegionsAsync(), r => r.Name == name);
        Assert.Equal(1UL, listed.Items);
        Assert.True(listed.ItemBytes >= (ulong)"keyvalue".Length, $"item bytes {listed.ItemBytes}");
        Assert.True(listed.UsedBytes >= listed.ItemBytes, $"used bytes {listed.UsedBytes}");
        NodeUsage usage = await grain.GetUsageAsync();
        Assert.Equal(listed, Assert.Single(usage.Regions, r => r.Name == name));
        Assert.True(usage.Items >= 1 && usage.UsedBytes >= listed.UsedBytes, $"node usage {usage}");

        Assert.True(await grain.DropRegionAsync(name));
        Assert.Null(pool.FindRegion(name));
        Assert.DoesNotContain(await grain.ListRegionsAsync(), r => r.Name == name);
        Assert.False(await grain.DropRegionAsync(name));
    }

    /// <summary>
    /// <c>AddMnemoGrains</c> lets Orleans' exception codec carry Mnemo's exception types, so the engine's
    /// <see cref="EngineException"/> reaches the caller with its type and reason (the fallback codec
    /// carries type, message and stack, not the exception's own properties).
    /// </summary>
    [Fact]
    public async Task Creating_a_region_twice_surfaces_the_engines_EngineException_to_the_caller()
    {
        INodeMemoryGrain grain = Cluster.Client.GetGrain<INodeMemoryGrain>(Cluster.ActiveSiloNames[0]);
        string name = $"grain-tests-{Guid.NewGuid():N}";
        await grain.CreateRegionAsync(name);

        var e = await Assert.ThrowsAsync<EngineException>(() => grain.CreateRegionAsync(name));

        Assert.StartsWith("mnemo_region_create failed with Exists", e.Message);
        Assert.Contains($"'{name}' already exists", e.Message);
        // The activation keeps serving, and the region is still the one created first.
        Assert.Single(await grain.ListRegionsAsync(), r => r.Name == name);
        Assert.True(await grain.DropRegionAsync(name));
    }

    [Fact]
    public async Task A_node_grain_for_a_node_that_never_had_a_silo_fails_with_NodeUnavailableException_naming_it()
    {
        const string ghost = "node-that-never-was";
        INodeMemoryGrain grain = Cluster.Client.GetGrain<INodeMemoryGrain>(ghost);

        var e = await Assert.ThrowsAsync<NodeUnavailableException>(() => grain.GetUsageAsync());

        Assert.Equal(ghost, e.Node);
        Assert.Contains($"'{ghost}'", e.Message);
        Assert.False(Cluster.Cluster.TryGetGrainContext(grain.GetGrainId(), out _), "the grain was activated somewhere");
        Assert.All(Cluster.Nodes.Values, node => Assert.Null(node.Pool.FindRegion(ghost)));
        Assert.Equal(ghost, (await Assert.ThrowsAsync<NodeUnavailableException>(() => grain.CreateRegionAsync(ghost))).Node);
        Assert.All(Cluster.Nodes.Values, node => Assert.Null(node.Pool.FindRegion(ghost)));
    }
}

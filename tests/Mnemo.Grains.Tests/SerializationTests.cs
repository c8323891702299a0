using Microsoft.Extensions.DependencyInjection;
using Mnemo.Grains.Interfaces;
using Orleans.Serialization;

namespace Mnemo.Grains.Tests;

/// <summary>The records grain calls carry, through the serializer of a silo of the cluster.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SerializationTests(SharedCluster shared)
{
    private Serializer Serializer => shared.Cluster.Cluster.GetSiloServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void NodeUsage_with_regions_round_trips_with_every_field()
    {
        var usage = new NodeUsage("node-a", "emulation", ulong.MaxValue, (64UL << 20) - 4096, 1234567, 42, 99, [
            new RegionUsage("memshack.default.cache.0", 1, 2, 3, 4, 5),
            new RegionUsage("ünïcode ✓", ulong.MaxValue, ulong.MaxValue - 1, 0, 7, ulong.MaxValue - 2),
        ]);

        NodeUsage copy = RoundTrip(usage);

        Assert.NotSame(usage, copy);
        Assert.Equal(usage with { Regions = [] }, copy with { Regions = [] });
        Assert.Equal(usage.Regions, copy.Regions);
    }

    [Fact]
    public void NodeUsage_without_regions_round_trips()
    {
        var usage = new NodeUsage("node-b", "devdax", 0, 0, 0, 0, 0, []);
        NodeUsage copy = RoundTrip(usage);
        Assert.Equal(usage with { Regions = [] }, copy with { Regions = [] });
        Assert.Empty(copy.Regions);
    }

    [Fact]
    public void MemshackShardStatus_round_trips_with_replicas_and_unanswered_nodes()
    {
        var status = new MemshackShardStatus("team-a/sessions", 7, true,
            [new("node-a", "in_sync", 0), new("node-b", "unreachable", 12), new("node-c", "needs_resync", int.MaxValue)],
            ["node-b"], RepairedKeys: 42);

        MemshackShardStatus copy = RoundTrip(status);

        Assert.Equal(status with { Replicas = [], UnansweredNodes = [] }, copy with { Replicas = [], UnansweredNodes = [] });
        Assert.Equal(status.Replicas, copy.Replicas);
        Assert.Equal(status.UnansweredNodes, copy.UnansweredNodes);
    }

    [Fact]
    public void MemshackShardVerification_round_trips_with_differing_keys()
    {
        var verification = new MemshackShardVerification("team-a/sessions", 2, true, ["node-a", "node-b"], ["node-c"], 3,
            [new("k1", [10UL, null]), new("k2", [null, 12UL])], Truncated: true);

        MemshackShardVerification copy = RoundTrip(verification);

        Assert.Equal(verification with { Replicas = [], UnreachableNodes = [], Keys = [] }, copy with { Replicas = [], UnreachableNodes = [], Keys = [] });
        Assert.Equal(verification.Replicas, copy.Replicas);
        Assert.Equal(verification.UnreachableNodes, copy.UnreachableNodes);
        Assert.Equal(verification.Keys.Select(k => (k.Key, string.Join(",", k.Versions))), copy.Keys.Select(k => (k.Key, string.Join(",", k.Versions))));
    }

    [Fact]
    public void A_not_served_MemshackShardStatus_round_trips()
    {
        MemshackShardStatus status = MemshackShardStatus.NotServed("team-a/sessions", 3);
        MemshackShardStatus copy = RoundTrip(status);
        Assert.Equal(("team-a/sessions", 3, false), (copy.Memshack, copy.Shard, copy.Served));
        Assert.Empty(copy.Replicas);
        Assert.Empty(copy.UnansweredNodes);
    }

    [Fact]
    public void NodeUnavailableException_round_trips_with_its_node()
    {
        var e = new NodeUnavailableException("node-gone");
        NodeUnavailableException copy = RoundTrip(e);
        Assert.Equal("node-gone", copy.Node);
        Assert.Equal(e.Message, copy.Message);
    }

    [Fact]
    public void ClusterSnapshotStatus_round_trips_with_its_manifest()
    {
        var manifest = new ClusterSnapshotManifest("team-a/sessions", new MemshackTopology(2, 2, ["node-a", "node-b"]),
        [
            new ReplicaSnapshot("node-a", 0, "memshack.team-a.sessions.0", 7, 10, 1000),
            new ReplicaSnapshot("node-b", 0, "memshack.team-a.sessions.0", 3, 10, 1000),
            new ReplicaSnapshot("node-a", 1, "memshack.team-a.sessions.1", ulong.MaxValue, 5, 500),
        ], DateTimeOffset.UnixEpoch.AddDays(20000));
        var status = new ClusterSnapshotStatus(ClusterSnapshotStatus.Committed, 2, 2, manifest.Items, manifest.Bytes, manifest.TakenAt, 1.5, 42.25, null, manifest);

        ClusterSnapshotStatus copy = RoundTrip(status);

        Assert.Equal(status with { Manifest = null }, copy with { Manifest = null });
        Assert.Equal(manifest.Replicas, copy.Manifest!.Replicas);
        Assert.True(manifest.Topology.SameAs(copy.Manifest.Topology));
        Assert.Equal(15, copy.Manifest.Items);
        Assert.Equal(1500, copy.Manifest.Bytes);
    }

    private T RoundTrip<T>(T value) where T : class => Assert.IsType<T>(Serializer.Deserialize<T>(Serializer.SerializeToArray(value)));
}

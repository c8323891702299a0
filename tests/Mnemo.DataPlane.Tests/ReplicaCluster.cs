using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;
using Mnemo.DataPlane;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Nodes of one shard as a gateway on node 0 sees them: replica 0 is node 0's engine (local), the
/// others are regions on the other nodes reached through their data-plane servers.
/// </summary>
public sealed class ReplicaCluster : IAsyncDisposable
{
    private readonly List<PeerConnection> _peers = [];
    private readonly List<EngineRegionStore> _locals = [];

    private ReplicaCluster(TestNode[] nodes) => Nodes = nodes;

    public TestNode[] Nodes { get; }

    /// <summary>The replicas of the set created last.</summary>
    public IReadOnlyList<IReplica> Replicas { get; private set; } = [];

    /// <param name="itemSizeMax">Every node's pool item size limit; 0 for the engine's default.</param>
    public static async Task<ReplicaCluster> StartAsync(int nodes, uint itemSizeMax = 0)
    {
        var started = new TestNode[nodes];
        for (int i = 0; i < nodes; i++)
        {
            started[i] = await TestNode.StartAsync($"node-{i}", itemSizeMax);
        }
        return new ReplicaCluster(started);
    }

    /// <summary>
    /// A replica set that knows no local replica, whose preferred replica (for reads) is
    /// <paramref name="preferred"/> by the hash of its gateway name.
    /// </summary>
    /// <param name="casClock">The CAS clock of the silo the set runs on (a set per "gateway"; each with its own ordinal).</param>
    public ReplicaSet CreateSet(WriteQuorum quorum, int preferred = 0, int hintCapacity = 10_000, int resyncChunkBytes = 64 * 1024,
        CasClock? casClock = null)
    {
        Replicas = CreateReplicas();
        var options = new ReplicaSetOptions
        {
            WriteQuorum = quorum, GatewayName = GatewayNameHashingTo(preferred), HintCapacity = hintCapacity,
            ResyncChunkBytes = resyncChunkBytes, CasClock = casClock ?? new CasClock(0),
        };
        return new ReplicaSet(Replicas, options, TestLogging.Factory.CreateLogger<ReplicaSet>());
    }

    /// <summary>
    /// A replica set as a silo holding replica 0 runs it: replica 0 is declared local, and the gateway
    /// name alone would pick <paramref name="hashChoice"/>.
    /// </summary>
    public ReplicaSet CreateSetWithLocalReplica(WriteQuorum quorum, int hashChoice)
    {
        Replicas = CreateReplicas();
        var options = new ReplicaSetOptions { WriteQuorum = quorum, GatewayName = GatewayNameHashingTo(hashChoice), LocalReplica = 0 };
        return new ReplicaSet(Replicas, options, TestLogging.Factory.CreateLogger<ReplicaSet>());
    }

    /// <summary>A gateway name whose hash picks replica <paramref name="index"/> of <see cref="Replicas"/>: the choice is deterministic per name.</summary>
    private string GatewayNameHashingTo(int index)
    {
        for (int n = 0; ; n++)
        {
            string name = $"gateway-{n}";
            if (new ReplicaSet(Replicas, new ReplicaSetOptions { GatewayName = name }).PreferredIndex == index)
            {
                return name;
            }
        }
    }

    private List<IReplica> CreateReplicas()
    {
        var replicas = new List<IReplica>();
        EngineRegionStore local = Nodes[0].CreateEngineRegionStore();
        _locals.Add(local);
        // As a silo does: every replica of the set is bounded by this node's pool's limit.
        int itemSizeMax = local.ItemSizeMax;
        replicas.Add(local);
        for (int i = 1; i < Nodes.Length; i++)
        {
            var peer = Nodes[i].Connect();
            _peers.Add(peer);
            replicas.Add(new RemoteReplica(peer, TestNode.RegionName, $"{Nodes[i].Name}/{TestNode.RegionName}", itemSizeMax));
        }
        return replicas;
    }

    /// <summary>Waits until replica <paramref name="index"/> answers (its peer connection may be backing off after a restart).</summary>
    public async Task<bool> WaitReachableAsync(int index) =>
        await Eventually.HoldsAsync(async () => (await Replicas[index].GetStatsAsync()).Status == CacheStatus.Ok);

    /// <summary>Asserts that every node's region holds the same item (or none) for each key, naming a few that differ.</summary>
    public void AssertReplicasIdentical(IEnumerable<string> keys)
    {
        string[] differing = keys.Where(key => Nodes.Select(node => Describe(node, key)).Distinct().Count() > 1).ToArray();
        Assert.True(differing.Length == 0,
            $"{differing.Length} keys differ, e.g. {string.Join(", ", differing.Take(3).Select(k => $"{k}: {string.Join(" | ", Nodes.Select(n => Describe(n, k)))}"))}");
    }

    /// <summary>What a node's region holds for a key: value, flags, CAS and stale mark (or nothing).</summary>
    public static string? Describe(TestNode node, string key)
    {
        byte[] buffer = new byte[4096];
        return node.Pool.TryGet(node.Region, Bytes.Of(key), buffer, out int length, out ItemInfo info) == EngineStatus.Ok
            ? $"{Bytes.Text(buffer.AsSpan(0, length))} flags={info.Flags} cas={info.Cas} state={info.State & ItemState.Stale}"
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (PeerConnection peer in _peers)
        {
            await peer.DisposeAsync();
        }
        foreach (EngineRegionStore local in _locals)
        {
            local.Dispose();
        }
        foreach (TestNode node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}

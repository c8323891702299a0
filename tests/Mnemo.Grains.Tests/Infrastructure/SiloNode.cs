using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;
using Mnemo.NativeEngine;

namespace Mnemo.Grains.Tests;

/// <summary>
/// What a Mnemo silo host owns besides Orleans, for one test silo: the node's engine pool (node name =
/// silo name), its data-plane server on 127.0.0.1 and the <see cref="ServedMemshacks"/> the status
/// grains read. It outlives its silo, as the test cluster kills silos in-process; disposing it
/// closes everything.
/// </summary>
public sealed class SiloNode : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PeerConnection> _peers = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<EngineRegionStore> _localReplicas = [];
    private DataPlaneServer? _dataPlane;

    private SiloNode(string name, ulong capacity, NodePool nodePool, DataPlaneServer dataPlane)
    {
        Name = name;
        Capacity = capacity;
        NodePool = nodePool;
        _dataPlane = dataPlane;
        DataEndPoint = dataPlane.EndPoint;
        Served = new ServedMemshacks(dataPlane.EndPoint.Port);
    }

    public string Name { get; }

    /// <summary>The capacity the pool was created with (distinct per silo, so a grain's answer identifies the pool).</summary>
    public ulong Capacity { get; }

    public NodePool NodePool { get; }

    public TestLogLevel LogLevel { get; } = new();

    public EnginePool Pool => NodePool.Pool;

    public ServedMemshacks Served { get; }

    public IPEndPoint DataEndPoint { get; }

    public static async Task<SiloNode> StartAsync(string name, string folder, ulong capacity)
    {
        EnginePool pool = EnginePool.Open(new PoolOptions
        {
            Path = Path.Combine(folder, $"{name}.pool"),
            Capacity = capacity,
            Mode = DeviceMode.Emulation,
            Create = true,
        });
        try
        {
            DataPlaneServer dataPlane = await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), pool, (_, _) => null, NullLoggerFactory.Instance);
            return new SiloNode(name, capacity, new NodePool(name, pool), dataPlane);
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <summary>Stops the data plane at once, as the loss of the node's process would (an in-process silo kill leaves it running).</summary>
    public async Task KillDataPlaneAsync()
    {
        if (Interlocked.Exchange(ref _dataPlane, null) is { } dataPlane)
            await dataPlane.DisposeAsync();
    }

    /// <summary>
    /// Serves <paramref name="memshack"/> as a Mnemo silo does: one replica set per shard, over the
    /// shard's replica nodes in order, with the replica on this node straight in its engine and the
    /// others over their nodes' data planes (this node's CAS ordinal: <paramref name="ordinal"/>).
    /// </summary>
    public void Serve(string memshack, IReadOnlyList<IReadOnlyList<string>> shardNodes, IReadOnlyDictionary<string, SiloNode> nodes,
        WriteQuorum quorum, int ordinal)
    {
        string @namespace = memshack[..memshack.IndexOf('/')];
        string name = memshack[(memshack.IndexOf('/') + 1)..];
        var options = new ReplicaSetOptions { WriteQuorum = quorum, GatewayName = Name, CasClock = new CasClock(ordinal) };
        int itemSizeMax = (int)Pool.GetStats().ItemSizeMax;
        var shards = new ServedShard[shardNodes.Count];
        for (int shard = 0; shard < shards.Length; shard++)
        {
            string region = MemshackRegions.Of(@namespace, name, shard);
            var replicas = new IReplica[shardNodes[shard].Count];
            int? local = null;
            for (int i = 0; i < replicas.Length; i++)
            {
                string node = shardNodes[shard][i];
                string replicaName = $"{node}/{region}";
                if (node == Name)
                {
                    var store = new EngineRegionStore(Pool, Pool.GetOrCreateRegion(region), replicaName);
                    _localReplicas.Add(store);
                    replicas[i] = store;
                    local = i;
                }
                else
                {
                    PeerConnection peer = _peers.GetOrAdd(node, n => new PeerConnection(nodes[n].DataEndPoint, FastFailPeers));
                    replicas[i] = new RemoteReplica(peer, region, replicaName, itemSizeMax);
                }
            }
            shards[shard] = new ServedShard(shard, shardNodes[shard], new ReplicaSet(replicas, options with { LocalReplica = local }));
        }
        Served.Set(memshack, shards);
    }

    public async ValueTask DisposeAsync()
    {
        await KillDataPlaneAsync();
        foreach (PeerConnection peer in _peers.Values)
            await peer.DisposeAsync();
        foreach (EngineRegionStore store in _localReplicas)
            store.Dispose();
        NodePool.Dispose();
    }

    private static readonly PeerConnectionOptions FastFailPeers = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        OperationTimeout = TimeSpan.FromSeconds(5),
        ReconnectBackoffMin = TimeSpan.FromMilliseconds(20),
        ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
    };
}

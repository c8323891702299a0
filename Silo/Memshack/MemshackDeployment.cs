using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Mnemo.Grains;
using Mnemo.NativeEngine;
using Mnemo.DataPlane;

namespace Mnemo.Silo;

/// <summary>
/// One Memshack as this silo serves it: a replica set per shard (the replica held here straight in
/// the engine, the others over their nodes' data planes), a Ch3-sharded store over the sets, and a
/// memcached gateway on <c>mcrouter_port</c> + the silo's port offset.
/// </summary>
public sealed class MemshackDeployment : IAsyncDisposable
{
    private readonly MemcachedGatewayHost _gateway;
    private readonly IReadOnlyList<EngineRegionStore> _localReplicas;
    private readonly IReadOnlyList<string> _localRegions;
    private readonly EnginePool _pool;
    private readonly string _self;
    private readonly ILogger _logger;

    /// <summary>Pause after each shard's anti-entropy pass, so a pass over many shards leaves room for the requests.</summary>
    private static readonly TimeSpan AntiEntropyShardPause = TimeSpan.FromMilliseconds(50);

    private MemshackDeployment(MemshackResource resource, IReadOnlyList<ServedShard> shards, IReadOnlyList<EngineRegionStore> localReplicas,
        IReadOnlyList<string> localRegions, EnginePool pool, string self, MemcachedGatewayHost gateway, ILogger logger)
    {
        _self = self;
        _localReplicas = localReplicas;
        _localRegions = localRegions;
        _pool = pool;
        Resource = resource;
        Shards = shards;
        _gateway = gateway;
        _logger = logger;
    }

    public MemshackResource Resource { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string Key => KeyOf(Resource);

    public IReadOnlyList<ServedShard> Shards { get; }

    public static string KeyOf(MemshackResource resource) => $"{resource.Namespace}/{resource.Name}";

    /// <summary>Shard → replica nodes; the same on every silo given the same nodes.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ShardMap(MemshackResource resource, IReadOnlyList<string> nodes) =>
        ReplicaPlacement.ShardMap(KeyOf(resource), resource.Spec.NumShards, resource.Spec.NumReplicas, nodes.ToArray());

    /// <param name="nodes">The nodes that hold replicas (this one included), from which the shard map is computed.</param>
    /// <param name="staleLocalShards">Shards whose replica here holds data from an earlier run that peers have
    /// moved past: it serves nothing until resynced.</param>
    /// <param name="casClock">This silo's CAS clock, shared by every replica set it runs.</param>
    public static async Task<MemshackDeployment> StartAsync(MemshackResource resource, IReadOnlyList<string> nodes,
        string self, EnginePool pool, PeerDataConnections peers, IPAddress gatewayAddress, int portOffset,
        Func<int, bool> staleLocalShards, CasClock casClock, IConnectionListenerFactory transport, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        string key = KeyOf(resource);
        ILogger logger = loggerFactory.CreateLogger<MemshackDeployment>();
        IReadOnlyList<IReadOnlyList<string>> map = ShardMap(resource, nodes);
        var options = new ReplicaSetOptions { WriteQuorum = resource.Spec.WriteQuorum, GatewayName = self, CasClock = casClock };
        int itemSizeMax = (int)pool.GetStats().ItemSizeMax;
        var shards = new ServedShard[map.Count];
        var localReplicas = new List<EngineRegionStore>();
        var localRegions = new List<string>();
        var gatewayShards = new IAsyncCacheStore[map.Count];
        for (int shard = 0; shard < map.Count; shard++)
        {
            string region = MemshackRegions.Of(resource.Namespace, resource.Name, shard);
            var replicas = new IReplica[map[shard].Count];
            int local = -1;
            for (int i = 0; i < replicas.Length; i++)
            {
                string node = map[shard][i];
                string name = $"{node}/{region}";
                if (node == self)
                {
                    local = i;
                    var localStore = new EngineRegionStore(pool, pool.GetOrCreateRegion(region), name);
                    localReplicas.Add(localStore);
                    localRegions.Add(region);
                    replicas[i] = localStore;
                }
                else
                {
                    PeerConnection peer = await peers.GetAsync(node, cancellationToken);
                    replicas[i] = new RemoteReplica(peer, region, name, itemSizeMax);
                }
            }
            // Reads prefer the replica in this silo's engine: no data-plane round trip.
            var set = new ReplicaSet(replicas, local >= 0 ? options with { LocalReplica = local } : options, loggerFactory.CreateLogger<ReplicaSet>());
            if (local >= 0 && replicas.Length > 1 && staleLocalShards(shard))
                set.MarkNeedsResync(local);
            shards[shard] = new ServedShard(shard, map[shard], set);
            gatewayShards[shard] = set;
        }

        var sharded = new ShardedCacheStore(gatewayShards);
        int port = resource.Spec.McrouterPort + portOffset;
        MemcachedGatewayHost gateway;
        try
        {
            gateway = await MemcachedGateway.StartAsync(new IPEndPoint(gatewayAddress, port), sharded, loggerFactory, transport: transport,
                cancellationToken: cancellationToken);
        }
        catch
        {
            localReplicas.ForEach(r => r.Dispose());
            throw;
        }
        logger.LogInformation("Memshack {Memshack} served: memcached gateway {EndPoint}, {Shards} shards x {Replicas} replicas, write quorum {Quorum}, shard map {Map}",
            key, gateway.Endpoint, resource.Spec.NumShards, resource.Spec.NumReplicas, resource.Spec.WriteQuorum.ToManifestValue(),
            string.Join(" ", map.Select((nodes, s) => $"{s}:[{string.Join(",", nodes)}]")));
        return new MemshackDeployment(resource, shards, localReplicas, localRegions, pool, self, gateway, logger);
    }

    /// <summary>A node came back as a new incarnation: whatever its replicas hold is unknown, so they resync before serving.</summary>
    public void MarkNodeRestarted(string node)
    {
        foreach (ServedShard shard in Shards)
        {
            int index = IndexOf(shard.Nodes, node);
            if (index >= 0)
                shard.Replicas.MarkNeedsResync(index);
        }
    }

    /// <summary>Repairs or resyncs the replicas of every shard that has one out of sync (and answering again).</summary>
    public async Task RepairAsync(CancellationToken cancellationToken)
    {
        foreach (ServedShard shard in Shards)
        {
            if (shard.Replicas.GetReplicaStatuses().All(r => r.State == ReplicaState.InSync))
                continue;
            try
            {
                await shard.Replicas.RepairAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Repair of {Memshack} shard {Shard} failed; retrying on the next pass", Key, shard.Index);
            }
        }
    }

    /// <summary>
    /// One anti-entropy pass over the shards whose ordering replica (the first in sync) is held here,
    /// so one silo compares each shard: their replicas' digests are compared and the keys that
    /// differ repaired to their newest version (<see cref="ReplicaSet.CompareAsync"/>).
    /// </summary>
    public async Task AntiEntropyAsync(CancellationToken cancellationToken)
    {
        foreach (ServedShard shard in Shards)
        {
            int ordering = shard.Replicas.OrderingReplica;
            if (shard.Nodes.Count < 2 || ordering < 0 || shard.Nodes[ordering] != _self)
                continue;
            try
            {
                await shard.Replicas.CompareAsync(repair: true, maxReportedKeys: 0, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Anti-entropy of {Memshack} shard {Shard} failed; retrying on the next pass", Key, shard.Index);
            }
            await Task.Delay(AntiEntropyShardPause, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        foreach (EngineRegionStore local in _localReplicas)
            local.Dispose();
    }

    /// <summary>Stops serving and deletes this node's replicas with their data: the Memshack is gone.</summary>
    public async ValueTask DeleteAsync()
    {
        await DisposeAsync();
        foreach (string name in _localRegions)
        {
            if (_pool.FindRegion(name) is { } region)
                _pool.DropRegion(region);
        }
        _logger.LogInformation("Memshack {Memshack} deleted: regions {Regions} dropped on this node", Key, string.Join(", ", _localRegions));
    }

    private static int IndexOf(IReadOnlyList<string> nodes, string node)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] == node)
                return i;
        }
        return -1;
    }
}

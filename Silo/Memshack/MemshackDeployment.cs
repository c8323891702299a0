using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;

namespace Mnemo.Silo;

/// <summary>
/// One Memshack as this silo serves it: for its topology, a replica set per shard (the replica held
/// here straight in the engine, the others over their nodes' data planes) and a Ch3-sharded store over
/// the sets; a memcached gateway on <c>mcrouter_port</c> + the silo's port offset over a
/// <see cref="MemshackStore"/>. While the Memshack moves to another topology it also holds that
/// topology's replica sets, mirrors writes into them and copies its shards there on request
/// (<see cref="MoveShard"/>).
/// </summary>
public sealed class MemshackDeployment : IAsyncDisposable
{
    private readonly MemcachedGatewayHost _gateway;
    private readonly MemshackStore _store;
    private readonly Context _context;
    private readonly ConcurrentDictionary<int, RunningMove> _moves = new();
    private volatile Layout _current;
    private volatile Layout? _next;

    /// <summary>Pause after each shard's anti-entropy pass, so a pass over many shards leaves room for the requests.</summary>
    private static readonly TimeSpan AntiEntropyShardPause = TimeSpan.FromMilliseconds(50);

    private MemshackDeployment(MemshackResource resource, Context context, Layout current, MemshackStore store, MemcachedGatewayHost gateway)
    {
        Resource = resource;
        _context = context;
        _current = current;
        _store = store;
        _gateway = gateway;
    }

    public MemshackResource Resource { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string Key => KeyOf(Resource);

    /// <summary>The shards of the topology served now.</summary>
    public IReadOnlyList<ServedShard> Shards => _current.Shards;

    public MemshackTopology Topology => _current.Topology;

    /// <summary>The topology being moved to, or null.</summary>
    public MemshackTopology? NextTopology => _next?.Topology;

    /// <summary>The store and port of this Memshack's memcached gateway here.</summary>
    public ServedGateway Gateway => new(_store, _gateway.Endpoint.Port);

    public static string KeyOf(MemshackResource resource) => $"{resource.Namespace}/{resource.Name}";

    /// <summary>Shard → replica nodes; the same on every silo given the same topology.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ShardMap(string memshack, MemshackTopology topology) =>
        ReplicaPlacement.ShardMap(memshack, topology.Shards, topology.Replicas, topology.Nodes);

    /// <param name="topology">The topology the Memshack is served with.</param>
    /// <param name="next">The topology it is moving to, when a move is under way: writes are mirrored there from the start.</param>
    /// <param name="staleLocalShards">Shards whose replica here holds data from an earlier run that peers have
    /// moved past: it serves nothing until resynced.</param>
    /// <param name="casClock">This silo's CAS clock, shared by every replica set it runs.</param>
    /// <param name="gatewayOptions">The silo's settings of its memcached gateways.</param>
    public static async Task<MemshackDeployment> StartAsync(MemshackResource resource, MemshackTopology topology, MemshackTopology? next,
        string self, EnginePool pool, PeerDataConnections peers, IPAddress gatewayAddress, int portOffset, MemcachedGatewayOptions gatewayOptions,
        Func<int, bool> staleLocalShards, CasClock casClock, IConnectionListenerFactory transport, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var context = new Context(resource, self, pool, peers, casClock, loggerFactory);
        Layout current = await context.BuildAsync(topology, staleLocalShards, cancellationToken);
        if (next is null)
            context.DropUnplacedRegions(current);
        var store = new MemshackStore(current.Sharded, casClock);
        Layout? nextLayout = null;
        if (next is not null)
        {
            // Started while a move is under way (a restart): this node's copies in the next topology may have
            // missed mirrored writes and deletes while it was down, so they resync from a peer before serving.
            nextLayout = await context.BuildAsync(next, _ => true, cancellationToken);
            await store.BeginMoveAsync(nextLayout.Sharded, Unchanged(current, nextLayout), cancellationToken);
        }

        int port = resource.Spec.McrouterPort + portOffset;
        MemcachedGatewayHost gateway;
        try
        {
            gateway = await MemcachedGateway.StartAsync(new IPEndPoint(gatewayAddress, port), store, loggerFactory, gatewayOptions with { Name = context.Key }, transport,
                cancellationToken);
        }
        catch
        {
            store.Dispose();
            current.Dispose();
            nextLayout?.Dispose();
            throw;
        }
        context.Logger.LogInformation("Memshack {Memshack} served: memcached gateway {EndPoint}, {Topology}, write quorum {Quorum}, shard map {Map}{Move}",
            context.Key, gateway.Endpoint, topology, resource.Spec.WriteQuorum.ToManifestValue(), current.Describe(),
            next is null ? "" : $"; moving to {next}");
        return new MemshackDeployment(resource, context, current, store, gateway) { _next = nextLayout };
    }

    /// <summary>Starts mirroring writes into <paramref name="to"/>; nothing to do when that move is already under way.</summary>
    public async Task BeginMoveAsync(MemshackTopology from, MemshackTopology to, CancellationToken cancellationToken)
    {
        if (_next is { } under && under.Topology.SameAs(to))
            return;
        if (!_current.Topology.SameAs(from))
            throw new MemshackMoveRefusedException($"{Key} is served here with {_current.Topology}, not {from}");
        _next?.Dispose();
        _moves.Clear();
        Layout next = await _context.BuildAsync(to, _ => false, cancellationToken);
        await _store.BeginMoveAsync(next.Sharded, Unchanged(_current, next), cancellationToken);
        _next = next;
        _context.Logger.LogInformation("Memshack {Memshack} moving to {Topology}: writes mirrored, shard map {Map}", Key, to, next.Describe());
    }

    /// <summary>Starts copying <paramref name="shard"/> of the current topology from this node's replica, unless it is under way or done.</summary>
    public ShardMoveProgress MoveShard(int shard)
    {
        Layout current = _current;
        if (_next is not { } next)
            return new ShardMoveProgress(shard, false, 0, 0, 0, $"{Key} is not moving on {_context.Self}");
        if ((uint)shard >= (uint)current.Shards.Length || current.LocalReplicas[shard] is not { } local)
            return new ShardMoveProgress(shard, false, 0, 0, 0, $"{_context.Self} holds no replica of shard {shard}");
        ServedShard served = current.Shards[shard];
        int localIndex = IndexOf(served.Nodes, _context.Self);
        if (served.Replicas.GetState(localIndex) != ReplicaState.InSync)
            return new ShardMoveProgress(shard, false, 0, 0, 0, $"the replica of shard {shard} on {_context.Self} is not in sync");

        // A copy that failed starts again; one under way or done is reported.
        RunningMove Start() => RunningMove.Start(new ShardMove(local, shard, next.Sharded, Added(current, next, shard)), _context.Logger, Key);
        RunningMove running = _moves.AddOrUpdate(shard, _ => Start(), (_, existing) => existing.Failed ? Start() : existing);
        return running.Progress(shard);
    }

    /// <summary>The items this node's replica of <paramref name="shard"/> holds (current topology).</summary>
    public async Task<long> CountShardItemsAsync(int shard, CancellationToken cancellationToken)
    {
        Layout current = _current;
        if ((uint)shard >= (uint)current.LocalReplicas.Length || current.LocalReplicas[shard] is not { } local)
            throw new MemshackMoveRefusedException($"{_context.Self} holds no replica of shard {shard}");
        (CacheStatus status, CacheStoreStats stats) = await local.GetStatsAsync(cancellationToken);
        return status == CacheStatus.Ok ? (long)stats.CurrentItems : throw new MemshackMoveRefusedException($"shard {shard} on {_context.Self}: {status}");
    }

    public Task HoldWritesAsync(TimeSpan lease, CancellationToken cancellationToken) => _store.Fence.HoldAsync(lease, cancellationToken);

    public void ReleaseWrites() => _store.Fence.Release();

    /// <summary>Serves <paramref name="to"/> only (the next topology becomes the current one) and releases held writes.</summary>
    public void CompleteMove(MemshackTopology to)
    {
        if (_current.Topology.SameAs(to))
        {
            _store.Fence.Release();
            return;
        }
        if (_next is not { } next || !next.Topology.SameAs(to))
            throw new MemshackMoveRefusedException($"{Key} is not moving to {to} on {_context.Self}");
        _store.CompleteMove();
        Layout previous = _current;
        _current = next;
        _next = null;
        _moves.Clear();
        previous.Dispose();
        _context.Logger.LogInformation("Memshack {Memshack} now served with {Topology}", Key, to);
    }

    /// <summary>
    /// After a move: drops this node's regions of the Memshack that the current topology does not place
    /// here, and deletes from the ones it keeps the keys routed to other shards. The number of keys deleted.
    /// </summary>
    public async Task<long> CleanUpAsync(MemshackTopology topology, CancellationToken cancellationToken)
    {
        Layout current = _current;
        if (!current.Topology.SameAs(topology))
            throw new MemshackMoveRefusedException($"{Key} is served here with {current.Topology}, not {topology}");
        var router = new Ch3Router(topology.Shards);
        long deleted = 0;
        for (int shard = 0; shard < current.LocalReplicas.Length; shard++)
        {
            if (current.LocalReplicas[shard] is { } kept)
                deleted += await ShardMove.RemoveMovedKeysAsync(kept, shard, router, cancellationToken: cancellationToken);
        }
        IReadOnlyList<string> dropped = _context.DropUnplacedRegions(current);
        _context.Logger.LogInformation("Memshack {Memshack} cleaned up after its move: {Keys} moved keys deleted here, regions dropped: {Regions}",
            Key, deleted, dropped.Count == 0 ? "none" : string.Join(", ", dropped));
        return deleted;
    }

    /// <summary>A node came back as a new incarnation: whatever its replicas hold is unknown, so they resync before serving.</summary>
    public void MarkNodeRestarted(string node)
    {
        _current.MarkNodeRestarted(node);
        _next?.MarkNodeRestarted(node);
    }

    /// <summary>Repairs or resyncs the replicas of every shard that has one out of sync (and answering again).</summary>
    public async Task RepairAsync(CancellationToken cancellationToken)
    {
        await RepairAsync(_current, cancellationToken);
        if (_next is { } next)
            await RepairAsync(next, cancellationToken);
    }

    private async Task RepairAsync(Layout layout, CancellationToken cancellationToken)
    {
        foreach (ServedShard shard in layout.Shards)
        {
            if (shard.Replicas.GetReplicaStatuses().All(r => r.State == ReplicaState.InSync))
                continue;
            try
            {
                await shard.Replicas.RepairAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _context.Logger.LogWarning(e, "Repair of {Memshack} shard {Shard} failed; retrying on the next pass", Key, shard.Index);
            }
        }
    }

    /// <summary>
    /// One anti-entropy pass over the shards (of the topology served now) whose ordering replica (the
    /// first in sync) is held here, so one silo compares each shard: their replicas' digests are compared
    /// and the keys that differ repaired to their newest version (<see cref="ReplicaSet.CompareAsync"/>).
    /// </summary>
    public async Task AntiEntropyAsync(CancellationToken cancellationToken)
    {
        // Writes held: a snapshot or restore is switching the replicas, and a repair now would mix their states.
        if (_store.Fence.IsHeld)
            return;
        foreach (ServedShard shard in Shards)
        {
            int ordering = shard.Replicas.OrderingReplica;
            if (shard.Nodes.Count < 2 || ordering < 0 || shard.Nodes[ordering] != _context.Self)
                continue;
            try
            {
                await shard.Replicas.CompareAsync(repair: true, maxReportedKeys: 0, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _context.Logger.LogWarning(e, "Anti-entropy of {Memshack} shard {Shard} failed; retrying on the next pass", Key, shard.Index);
            }
            await Task.Delay(AntiEntropyShardPause, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _store.Dispose();
        _current.Dispose();
        _next?.Dispose();
    }

    /// <summary>Stops serving and deletes this node's replicas with their data: the Memshack is gone.</summary>
    public async ValueTask DeleteAsync()
    {
        await DisposeAsync();
        List<string> regions = _context.OwnRegions().ToList();
        foreach (string name in regions)
        {
            if (_context.Pool.FindRegion(name) is { } region)
                _context.Pool.DropRegion(region);
        }
        _context.Logger.LogInformation("Memshack {Memshack} deleted: regions {Regions} dropped on this node", Key, string.Join(", ", regions));
    }

    /// <summary>
    /// Per shard of <paramref name="current"/>: whether every replica node <paramref name="next"/> gives it already
    /// holds it now (the same shard, so the same region): nothing of it needs copying but the keys routed elsewhere.
    /// </summary>
    private static bool[] Unchanged(Layout current, Layout next)
    {
        var unchanged = new bool[current.Shards.Length];
        for (int shard = 0; shard < unchanged.Length; shard++)
            unchanged[shard] = shard < next.Shards.Length && next.Shards[shard].Nodes.All(current.Shards[shard].Nodes.Contains);
        return unchanged;
    }

    /// <summary>
    /// The replicas of <paramref name="shard"/> in <paramref name="next"/> on nodes that do not hold it in
    /// <paramref name="current"/>: the only ones a copy of its kept keys needs to reach (the others are the same regions).
    /// </summary>
    private static IReadOnlyList<IReplica> Added(Layout current, Layout next, int shard)
    {
        if (shard >= next.Shards.Length)
            return [];
        ServedShard to = next.Shards[shard];
        return Enumerable.Range(0, to.Nodes.Count).Where(i => !current.Shards[shard].Nodes.Contains(to.Nodes[i])).Select(to.Replicas.GetReplica).ToArray();
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

    /// <summary>What building a topology's replica sets needs, fixed for the deployment.</summary>
    private sealed record Context(MemshackResource Resource, string Self, EnginePool Pool, PeerDataConnections Peers, CasClock CasClock,
        ILoggerFactory LoggerFactory)
    {
        public ILogger Logger { get; } = LoggerFactory.CreateLogger<MemshackDeployment>();

        public string Key => KeyOf(Resource);

        /// <summary>Drops this node's regions of the Memshack that <paramref name="layout"/> does not place here (left by an earlier topology); their names.</summary>
        public IReadOnlyList<string> DropUnplacedRegions(Layout layout)
        {
            var dropped = new List<string>();
            foreach (string name in OwnRegions().ToList())
            {
                int shard = MemshackRegions.ShardOf(name, Resource.Namespace, Resource.Name);
                if ((shard >= layout.LocalReplicas.Length || layout.LocalReplicas[shard] is null) && Pool.FindRegion(name) is { } region)
                {
                    Pool.DropRegion(region);
                    dropped.Add(name);
                }
            }
            if (dropped.Count > 0)
                Logger.LogInformation("Memshack {Memshack}: regions {Regions} are not placed on this node any more and were dropped", Key, string.Join(", ", dropped));
            return dropped;
        }

        /// <summary>This node's regions of the Memshack, whichever topology made them.</summary>
        public IEnumerable<string> OwnRegions() =>
            Pool.ListRegions().Select(r => r.Name).Where(n => MemshackRegions.ShardOf(n, Resource.Namespace, Resource.Name) >= 0);

        public async Task<Layout> BuildAsync(MemshackTopology topology, Func<int, bool> staleLocalShards, CancellationToken cancellationToken)
        {
            IReadOnlyList<IReadOnlyList<string>> map = ShardMap(Key, topology);
            var options = new ReplicaSetOptions { WriteQuorum = Resource.Spec.WriteQuorum, GatewayName = Self, CasClock = CasClock };
            int itemSizeMax = (int)Pool.GetStats().ItemSizeMax;
            var shards = new ServedShard[map.Count];
            var localReplicas = new EngineRegionStore?[map.Count];
            for (int shard = 0; shard < map.Count; shard++)
            {
                string region = MemshackRegions.Of(Resource.Namespace, Resource.Name, shard);
                var replicas = new IReplica[map[shard].Count];
                int local = -1;
                for (int i = 0; i < replicas.Length; i++)
                {
                    string node = map[shard][i];
                    string name = $"{node}/{region}";
                    if (node == Self)
                    {
                        local = i;
                        localReplicas[shard] = new EngineRegionStore(Pool, Pool.GetOrCreateRegion(region), name);
                        replicas[i] = localReplicas[shard]!;
                    }
                    else
                    {
                        PeerConnection peer = await Peers.GetAsync(node, cancellationToken);
                        replicas[i] = new RemoteReplica(peer, region, name, itemSizeMax);
                    }
                }
                // Reads prefer the replica in this silo's engine: no data-plane round trip.
                var set = new ReplicaSet(replicas, local >= 0 ? options with { LocalReplica = local } : options, LoggerFactory.CreateLogger<ReplicaSet>());
                if (local >= 0 && replicas.Length > 1 && staleLocalShards(shard))
                    set.MarkNeedsResync(local);
                shards[shard] = new ServedShard(shard, map[shard], set);
            }
            return new Layout(topology, shards, new ShardedCacheStore(shards.Select(s => (IAsyncCacheStore)s.Replicas).ToArray()), localReplicas);
        }
    }

    /// <summary>One topology's replica sets as this silo runs them.</summary>
    private sealed record Layout(MemshackTopology Topology, ServedShard[] Shards, ShardedCacheStore Sharded, EngineRegionStore?[] LocalReplicas) : IDisposable
    {
        public void MarkNodeRestarted(string node)
        {
            foreach (ServedShard shard in Shards)
            {
                int index = IndexOf(shard.Nodes, node);
                if (index >= 0)
                    shard.Replicas.MarkNeedsResync(index);
            }
        }

        public string Describe() => string.Join(" ", Shards.Select(s => $"{s.Index}:[{string.Join(",", s.Nodes)}]"));

        public void Dispose()
        {
            foreach (EngineRegionStore? local in LocalReplicas)
                local?.Dispose();
        }
    }

    /// <summary>A shard copy running in the background on this silo.</summary>
    private sealed class RunningMove
    {
        private readonly ShardMove _move;
        private readonly Task _task;

        private RunningMove(ShardMove move, Task task)
        {
            _move = move;
            _task = task;
        }

        public bool Failed => _task.IsFaulted || _task.IsCanceled;

        public static RunningMove Start(ShardMove move, ILogger logger, string memshack) =>
            new(move, Task.Run(async () =>
            {
                try
                {
                    await move.RunAsync();
                }
                catch (Exception e)
                {
                    logger.LogWarning("Copy of a shard of {Memshack} failed: {Reason}", memshack, e.Message);
                    throw;
                }
            }));

        public ShardMoveProgress Progress(int shard) =>
            new(shard, _task.IsCompletedSuccessfully, _move.Scanned, _move.Moved, _move.Copied,
                Failed ? _task.Exception?.GetBaseException().Message ?? "cancelled" : null);
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.NativeEngine;

namespace Mnemo.Silo;

/// <summary>
/// Serves, on this silo, the Memshacks the Kubernetes API declares. It starts the replica data plane,
/// registers this node among the cluster's known nodes (<see cref="NodeRegistry"/>, which also gives its
/// CAS ordinal), waits for the configured nodes to be active and known, then follows the Memshack
/// resources level by level:
/// each change of the set starts a Memshack's replica sets and memcached gateway with the topology its
/// status records (mirroring into the next one while a move is under way), restarts them when a spec
/// field other than the shard and replica counts changed, stops serving an invalid one (its data kept)
/// and deletes a removed one (its regions dropped). A changed shard or replica count is not applied
/// here: the Memshack's <see cref="IMemshackTopologyGrain"/> moves it, calling back through
/// <see cref="IMemshackHost"/>; so is a change of the known nodes (a node's first start, or its
/// registration removed), which re-places the replicas over them. Membership drives the rest: a node that returns as a new generation has
/// its replicas resynced, a maintenance pass every second repairs replicas that missed writes, and an
/// anti-entropy pass (every <see cref="SiloSettings.AntiEntropyInterval"/>) repairs the keys whose
/// replicas differ anyway.
/// </summary>
public sealed class MemshackService(
    SiloSettings settings,
    NodePool nodePool,
    ClusterNodes nodes,
    PeerDataConnections peers,
    ServedMemshacks served,
    MemshackFeed feed,
    NodeRegistry registry,
    IGrainFactory grains,
    [FromKeyedServices(CacheTransport.ServiceKey)] IConnectionListenerFactory transport,
    NodeCredentials credentials,
    ILoggerFactory loggerFactory) : BackgroundService, IMemshackHost
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PeerViewTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RegistrationRetry = TimeSpan.FromSeconds(1);
    private const int MoveKickPasses = 3;

    private readonly ILogger _logger = loggerFactory.CreateLogger<MemshackService>();
    // Deployments change one at a time: a level from the feed, or a move step from the coordinator.
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Memshacks whose move the coordinator must start, finish or record: kicked on every few maintenance passes.
    private readonly ConcurrentDictionary<string, bool> _awaitingMove = new(StringComparer.Ordinal);
    // The newest level from the feed, reconciled again by the maintenance pass while a step of it failed.
    private IReadOnlyList<MemshackObject> _level = [];
    private volatile bool _retryLevel;
    private readonly Dictionary<string, string> _reported = new(StringComparer.Ordinal);
    private ImmutableDictionary<string, MemshackDeployment> _deployments = ImmutableDictionary.Create<string, MemshackDeployment>(StringComparer.Ordinal);
    private DataPlaneServer? _dataPlane;
    // The cluster's known nodes (registered, not removed), in ordinal name order: what Memshacks are placed over.
    private volatile string[] _nodes = [];
    private CasClock? _casClock;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IPAddress address = GatewayAddress();
        _dataPlane = await DataPlaneServer.StartAsync(new IPEndPoint(address, settings.DataPort), nodePool.Pool, nodes.AdmitPeer, loggerFactory, transport,
            credentials.DataPlane, stoppingToken);
        _logger.LogInformation("Data plane listening on {EndPoint}", _dataPlane.EndPoint);
        nodes.Restarted += OnNodeRestarted;

        // The shard map is computed over the known nodes, never over whoever happens to be up, so it is
        // the same on every silo and a node that dies keeps its replicas (they are repaired when it
        // returns); a node joins them on its first start and leaves when an operator removes it.
        _casClock = new CasClock(await RegisterAsync(stoppingToken));
        await nodes.WaitUntilActiveAsync(settings.Nodes, stoppingToken);
        var known = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task following = FollowKnownNodesAsync(known, stoppingToken);
        await known.Task.WaitAsync(stoppingToken);
        _logger.LogInformation("Memshack replicas are placed over the known nodes {Nodes}", string.Join(", ", _nodes));

        Task maintenance = MaintainAsync(stoppingToken);
        Task antiEntropy = AntiEntropyAsync(stoppingToken);
        try
        {
            await foreach (IReadOnlyList<MemshackObject> declared in feed.WatchAsync(stoppingToken))
            {
                _level = declared;
                await ReconcileAsync(declared, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await maintenance;
        await antiEntropy;
        await following;
    }

    /// <summary>Registers this node (idempotent) and returns its CAS ordinal, retrying while the API does not answer.</summary>
    private async Task<int> RegisterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                int ordinal = await registry.RegisterAsync(nodes.Self, cancellationToken, settings.NodeLabelMap);
                _logger.LogInformation("Node {Node} is known to the cluster; its CAS ordinal is {Ordinal}", nodes.Self, ordinal);
                return ordinal;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("Registering node {Node} failed and is tried again: {Reason}", nodes.Self, e.Message);
                await Task.Delay(RegistrationRetry, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Follows the known nodes; <paramref name="ready"/> completes once they include this node and every
    /// node of <c>--nodes</c> (silos starting together place the first topology over all of them). A later
    /// change has the Memshacks reconciled again, so their coordinators move them over the new set.
    /// </summary>
    private async Task FollowKnownNodesAsync(TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        string[] required = settings.Nodes.Append(nodes.Self).Distinct().ToArray();
        try
        {
            await foreach (IReadOnlyList<string> level in registry.WatchAsync(cancellationToken))
            {
                string[] known = [.. level];
                if (known.SequenceEqual(_nodes, StringComparer.Ordinal))
                    continue;
                if (ready.Task.IsCompleted)
                {
                    _logger.LogInformation("The known nodes changed to {Nodes}: Memshacks are placed over them anew", string.Join(", ", known));
                    _nodes = known;
                    _retryLevel = true;
                }
                else if (required.All(known.Contains))
                {
                    _nodes = known;
                    ready.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        nodes.Restarted -= OnNodeRestarted;
        await base.StopAsync(cancellationToken);
        foreach (MemshackDeployment deployment in _deployments.Values)
            await deployment.DisposeAsync();
        _deployments = _deployments.Clear();
        if (_dataPlane is not null)
            await _dataPlane.DisposeAsync();
        await peers.DisposeAsync();
    }

    /// <summary>
    /// Brings what this silo serves in line with <paramref name="declared"/>, everything that exists now. A
    /// Memshack that cannot be started or followed now (a peer not reachable yet, a move step refused) is
    /// logged and tried again by the next maintenance pass; it never stops the others or the silo.
    /// </summary>
    private async Task ReconcileAsync(IReadOnlyList<MemshackObject> declared, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _retryLevel = false;
            await ReconcileLockedAsync(declared, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RetryLater(string memshack, string step, Exception e)
    {
        _retryLevel = true;
        _logger.LogWarning("Memshack {Memshack}: {Step} failed and is tried again: {Reason}", memshack, step, e.Message);
    }

    private async Task ReconcileLockedAsync(IReadOnlyList<MemshackObject> declared, CancellationToken cancellationToken)
    {
        var valid = new Dictionary<string, Wanted>(StringComparer.Ordinal);
        foreach (MemshackObject item in declared.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            IReadOnlyList<string> reasons = Validate(item, valid.Values.Select(v => v.Resource), out MemshackResource? resource);
            if (reasons.Count == 0)
                valid[item.Key] = WantedOf(resource!, item);
            else if (!_reported.TryGetValue(item.Key, out string? version) || version != item.ResourceVersion)
                _logger.LogError("Memshack {Memshack} is invalid and not served: {Reasons}", item.Key, string.Join("; ", reasons));
            _reported[item.Key] = item.ResourceVersion;
        }
        var present = declared.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        foreach (string gone in _reported.Keys.Where(k => !present.Contains(k)).ToList())
            _reported.Remove(gone);
        foreach (string key in _awaitingMove.Keys.Where(k => !valid.TryGetValue(k, out Wanted? w) || !w.NeedsCoordinator))
            _awaitingMove.TryRemove(key, out _);

        foreach ((string key, MemshackDeployment running) in _deployments)
        {
            if (valid.TryGetValue(key, out Wanted? wanted) && SameServing(running.Resource, wanted.Resource))
            {
                // No topology recorded in this view (the status write not seen yet): keep serving the running one rather
                // than start anew over the known nodes, which may name a node that is not active.
                if (!wanted.Recorded)
                    continue;
                try
                {
                    if (await FollowTopologyAsync(running, wanted, cancellationToken))
                        continue;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    RetryLater(key, "following its recorded topology", e);
                    continue;
                }
            }
            _deployments = _deployments.Remove(key);
            served.Remove(key);
            if (present.Contains(key))
            {
                _logger.LogInformation("Memshack {Memshack} changed; serving it anew", key);
                await running.DisposeAsync();
            }
            else
            {
                await running.DeleteAsync();
            }
        }

        foreach ((string key, Wanted wanted) in valid)
        {
            if (wanted.NeedsCoordinator && _awaitingMove.TryAdd(key, true))
                _ = KickCoordinatorAsync(key);
            if (_deployments.ContainsKey(key))
                continue;
            HashSet<int> servedElsewhere = await ShardsServedElsewhereAsync(key, wanted.Current, cancellationToken);
            try
            {
                MemshackDeployment deployment = await MemshackDeployment.StartAsync(wanted.Resource, wanted.Current, wanted.Next, nodes.Self, nodePool.Pool,
                    peers, GatewayAddress(), settings.MemshackPortOffset, settings.Memcached, servedElsewhere.Contains, _casClock!, transport, loggerFactory,
                    cancellationToken);
                served.Set(key, deployment.Shards);
                served.SetGateway(key, deployment.Gateway);
                _deployments = _deployments.SetItem(key, deployment);
            }
            catch (AddressInUseException)
            {
                _logger.LogError("Memshack {Memshack} is not served: its gateway port {Port} is already in use", key,
                    wanted.Resource.Spec.McrouterPort + settings.MemshackPortOffset);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                RetryLater(key, "starting to serve it", e);
            }
        }
    }

    /// <summary>
    /// Brings a running deployment to the topologies the status records, when this silo missed a step
    /// of a move (it was unreachable when the coordinator called); false when it must be started anew.
    /// </summary>
    private async Task<bool> FollowTopologyAsync(MemshackDeployment running, Wanted wanted, CancellationToken cancellationToken)
    {
        // Already turned to the topology the recorded move goes to: the status is behind (a late write), never go back.
        if (wanted.Next is { } target && running.Topology.SameAs(target))
            return true;
        if (!running.Topology.SameAs(wanted.Current))
        {
            if (running.NextTopology is not { } next || !next.SameAs(wanted.Current))
                return false;
            running.CompleteMove(wanted.Current);
            served.Set(running.Key, running.Shards);
        }
        if (wanted.Next is { } moving && !moving.SameAs(running.NextTopology))
            await running.BeginMoveAsync(wanted.Current, moving, cancellationToken);
        return true;
    }

    /// <summary>Same gateway and replication settings: only the topology (shard and replica counts) may differ.</summary>
    private static bool SameServing(MemshackResource running, MemshackResource wanted) =>
        running with { Spec = running.Spec with { NumShards = 0, NumReplicas = 0 } } == wanted with { Spec = wanted.Spec with { NumShards = 0, NumReplicas = 0 } };

    /// <summary>What to serve for a valid Memshack: the topology its status records (its spec's the first time) and the one it moves to.</summary>
    private Wanted WantedOf(MemshackResource resource, MemshackObject item)
    {
        var asked = new MemshackTopology(resource.Spec.NumShards, resource.Spec.NumReplicas, _nodes);
        using JsonDocument document = JsonDocument.Parse(item.Json);
        (MemshackTopology? recorded, MemshackMove? move) = MemshackStatusStore.Read(document.RootElement);
        MemshackTopology current = recorded ?? asked;
        // A placement notice is kept up to date (and removed) by the coordinator, even once the known nodes match the topology.
        bool needsCoordinator = recorded is null || move is { UnderWay: true } || !current.SameAs(asked)
            || MemshackStatusStore.HasPlacementNotice(document.RootElement);
        return new Wanted(resource, current, move is { Mirrors: true } ? move.To : null, needsCoordinator, recorded is not null);
    }

    private async Task KickCoordinatorAsync(string key)
    {
        try
        {
            MemshackMove? move = await grains.GetGrain<IMemshackTopologyGrain>(key).ReconcileAsync();
            if (move is not null)
                _logger.LogDebug("Memshack {Memshack} move: {Phase}, {Moved} keys moved", key, move.Phase, move.KeysMoved);
        }
        catch (Exception e)
        {
            _logger.LogDebug("Memshack {Memshack}: the topology coordinator did not answer: {Reason}", key, e.Message);
        }
    }

    /// <param name="Recorded">Whether <see cref="Current"/> is the topology the status records (else the spec's over the known nodes).</param>
    private sealed record Wanted(MemshackResource Resource, MemshackTopology Current, MemshackTopology? Next, bool NeedsCoordinator, bool Recorded);

    private IReadOnlyList<string> Validate(MemshackObject item, IEnumerable<MemshackResource> accepted, out MemshackResource? resource)
    {
        resource = null;
        try
        {
            resource = MemshackManifestParser.Parse(item.Json);
        }
        catch (MemshackManifestException e)
        {
            return e.Reasons;
        }
        // A Memshack placed over more nodes than are known now (one was removed) is still served over them until it can move.
        using JsonDocument document = JsonDocument.Parse(item.Json);
        int placeable = Math.Max(_nodes.Length, MemshackStatusStore.Read(document.RootElement).Served?.Nodes.Length ?? 0);
        var reasons = new List<string>(MemshackSpecValidator.Validate(resource.Spec, placeable));
        int port = resource.Spec.McrouterPort;
        if (accepted.FirstOrDefault(a => a.Spec.McrouterPort == port) is { } clash)
            reasons.Add($"spec.mcrouter_port: {port} is taken by {clash.Namespace}/{clash.Name}");
        string longestRegion = MemshackRegions.Of(resource.Namespace, resource.Name, Math.Max(resource.Spec.NumShards - 1, 0));
        if (Encoding.UTF8.GetByteCount(longestRegion) > EngineLimits.RegionNameMax)
            reasons.Add($"metadata: namespace and name too long for region names ('{longestRegion}' exceeds {EngineLimits.RegionNameMax} bytes)");
        return reasons;
    }

    /// <summary>
    /// Shards whose replica here would join peers that already serve them in sync: this silo is
    /// rejoining a running Memshack, so what its pool kept from its previous run may be older than
    /// their copies, and the replica resyncs (by version) before it serves. Silos starting together
    /// find nobody serving yet and start in sync.
    /// </summary>
    private async Task<HashSet<int>> ShardsServedElsewhereAsync(string key, MemshackTopology topology, CancellationToken cancellationToken)
    {
        IReadOnlyList<IReadOnlyList<string>> map = MemshackDeployment.ShardMap(key, topology);
        var result = new HashSet<int>();
        for (int shard = 0; shard < map.Count; shard++)
        {
            if (!map[shard].Contains(nodes.Self))
                continue;
            foreach (string peer in map[shard].Where(n => n != nodes.Self && nodes.IsActive(n)))
            {
                try
                {
                    MemshackShardStatus view = await grains.GetGrain<IMemshackNodeGrain>(peer).GetShardViewAsync(key, shard)
                        .WaitAsync(PeerViewTimeout, cancellationToken);
                    if (view.Served && view.Replicas.Any(r => r.Node == peer && r.State == ReplicaStateNames.InSync))
                    {
                        result.Add(shard);
                        break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogDebug("{Peer} did not tell whether it serves {Memshack} shard {Shard}: {Reason}", peer, key, shard, e.Message);
                }
            }
        }
        return result;
    }

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        try
        {
            for (long pass = 1; ; pass++)
            {
                await Task.Delay(MaintenanceInterval, cancellationToken);
                if (_retryLevel)
                    await ReconcileAsync(_level, cancellationToken);
                foreach (MemshackDeployment deployment in _deployments.Values)
                    await deployment.RepairAsync(cancellationToken);
                // Keeps a move going after its coordinator's silo died: the next call activates it elsewhere.
                if (pass % MoveKickPasses == 0)
                {
                    foreach (string key in _awaitingMove.Keys)
                        _ = KickCoordinatorAsync(key);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task BeginMoveAsync(string memshack, MemshackTopology from, MemshackTopology to, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await Deployment(memshack).BeginMoveAsync(from, to, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ShardMoveProgress MoveShard(string memshack, int shard) => Deployment(memshack).MoveShard(shard);

    public Task<long> CountShardItemsAsync(string memshack, int shard, CancellationToken cancellationToken) =>
        Deployment(memshack).CountShardItemsAsync(shard, cancellationToken);

    public Task HoldWritesAsync(string memshack, TimeSpan lease, CancellationToken cancellationToken) =>
        Deployment(memshack).HoldWritesAsync(lease, cancellationToken);

    public void ReleaseWrites(string memshack)
    {
        if (_deployments.TryGetValue(memshack, out MemshackDeployment? deployment))
            deployment.ReleaseWrites();
    }

    public async Task CompleteMoveAsync(string memshack, MemshackTopology to, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            MemshackDeployment deployment = Deployment(memshack);
            deployment.CompleteMove(to);
            served.Set(memshack, deployment.Shards);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> CleanUpMoveAsync(string memshack, MemshackTopology topology, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await Deployment(memshack).CleanUpAsync(topology, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private MemshackDeployment Deployment(string memshack) =>
        _deployments.TryGetValue(memshack, out MemshackDeployment? deployment)
            ? deployment
            : throw new MemshackMoveRefusedException($"{memshack} is not served on {nodes.Self}");


    /// <summary>Every <see cref="SiloSettings.AntiEntropyInterval"/>, compares and repairs the replicas of the shards this silo orders.</summary>
    private async Task AntiEntropyAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(settings.AntiEntropyInterval, cancellationToken);
                foreach (MemshackDeployment deployment in _deployments.Values)
                    await deployment.AntiEntropyAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void OnNodeRestarted(ClusterMember member)
    {
        foreach (MemshackDeployment deployment in _deployments.Values)
            deployment.MarkNodeRestarted(member.Name);
    }

    private IPAddress GatewayAddress() => IPAddress.TryParse(settings.Host, out IPAddress? parsed) ? parsed : IPAddress.Any;
}

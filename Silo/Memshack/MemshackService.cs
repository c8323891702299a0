using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Memshack;
using Mnemo.Grains.Memshack.Replication;
using Mnemo.Grains.NodeMemory;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.DataPlane;
using Mnemo.Silo.Hosting;

namespace Mnemo.Silo.Memshack;

/// <summary>
/// Serves the Memshacks declared in the manifest folder on this silo. Once every configured silo is
/// Active it computes each Memshack's shard map from the node names (the same on every silo), drops
/// local replicas that peers have moved past, starts the data plane, then a replica set per shard
/// and a memcached gateway per Memshack. Afterwards it watches membership: a node that comes back as
/// a new incarnation has its replicas resynced, and a maintenance pass every second repairs replicas
/// that missed writes or need a resync once they answer again.
/// </summary>
public sealed class MemshackService(
    SiloOptions options,
    NodePool nodePool,
    IMembershipView membership,
    PeerDataConnections peers,
    ServedMemshacks served,
    ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>
    /// A peer holding a replica of a shard that has run this much longer than this silo has copies newer
    /// than what this node's pool kept from its previous run (silos of a cluster starting together start
    /// within seconds of each other; a restarted silo rejoins a cluster that kept running).
    /// </summary>
    public static readonly TimeSpan RestartMargin = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WaitReportInterval = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger = loggerFactory.CreateLogger<MemshackService>();
    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);
    private IReadOnlyList<MemshackDeployment> _deployments = [];
    private DataPlaneServer? _dataPlane;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.MemshackManifests is not { } folder)
        {
            _logger.LogInformation("No Memshack manifest folder configured (--memshack-manifests); no Memshack is served");
            return;
        }
        SiloAddress self = membership.Self ?? throw new InvalidOperationException("a silo's membership view has no Self");
        IReadOnlyDictionary<string, SiloAddress> members = await WaitForConfiguredSilosAsync(self, stoppingToken);
        IReadOnlyList<MemshackResource> resources = MemshackManifestLoader.Load(folder, members.Count, _logger);
        if (resources.Count == 0)
        {
            _logger.LogInformation("No valid Memshack manifest in {Folder}", folder);
            return;
        }

        // What this silo's pool kept may be older than its peers' copies: those replicas resync by
        // version (newer CAS wins, keys gone from the peer are deleted) before serving; nothing is dropped.
        var stale = resources.ToDictionary(r => r, r => StaleLocalShards(r, members, self));
        IPAddress address = IPAddress.TryParse(options.Host, out IPAddress? parsed) ? parsed : IPAddress.Any;
        _dataPlane = await DataPlaneServer.StartAsync(new IPEndPoint(address, options.DataPort), nodePool.Pool, loggerFactory, stoppingToken);
        _logger.LogInformation("Data plane listening on {EndPoint}", _dataPlane.EndPoint);

        // One clock for every replica set of this silo; the ordinal (this node's place among the sorted
        // node names) keeps CAS values distinct from every other silo's.
        var casClock = new CasClock(NodeOrdinal(members.Keys, self.NodeName));
        var deployments = new List<MemshackDeployment>();
        foreach (MemshackResource resource in resources)
        {
            try
            {
                MemshackDeployment deployment = await MemshackDeployment.StartAsync(resource, members, self, nodePool.Pool, peers, address,
                    options.MemshackPortOffset, stale[resource].Contains, casClock, loggerFactory, stoppingToken);
                served.Set(deployment.Key, deployment.Shards);
                deployments.Add(deployment);
            }
            catch (IOException e)
            {
                // Kestrel reports a gateway port in use this way; the other Memshacks are still served.
                _logger.LogError("Memshack {Namespace}/{Name} is not served: {Reason}", resource.Namespace, resource.Name, e.Message);
            }
        }
        _deployments = deployments;

        lock (_generations)
        {
            foreach ((string node, SiloAddress member) in members)
                _generations[node] = member.Generation;
        }
        membership.Changed += OnMembershipChanged;
        OnMembershipChanged(membership.Members);

        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(MaintenanceInterval, stoppingToken);
            foreach (MemshackDeployment deployment in _deployments)
                await deployment.RepairAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        membership.Changed -= OnMembershipChanged;
        await base.StopAsync(cancellationToken);
        foreach (MemshackDeployment deployment in _deployments)
            await deployment.DisposeAsync();
        if (_dataPlane is not null)
            await _dataPlane.DisposeAsync();
    }

    /// <summary>
    /// Waits until every configured peer is Active and returns the cluster's nodes by name. The shard
    /// map is computed over all of them, never over whoever happens to be up, so that it is the same on
    /// every silo and a node that dies keeps its replicas (they are repaired when it returns).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, SiloAddress>> WaitForConfiguredSilosAsync(SiloAddress self, CancellationToken cancellationToken)
    {
        DateTime nextReport = DateTime.UtcNow + WaitReportInterval;
        while (true)
        {
            var active = membership.Members.Where(m => m.Status == SiloStatus.Active).ToDictionary(m => m.Address.Endpoint, m => m.Address);
            string[] missing = options.Peers.Where(p => !active.ContainsKey(p)).ToArray();
            if (missing.Length == 0)
            {
                var nodes = new Dictionary<string, SiloAddress>(StringComparer.Ordinal) { [self.NodeName] = self };
                foreach (string peer in options.Peers)
                    nodes[active[peer].NodeName] = active[peer];
                return nodes;
            }
            if (DateTime.UtcNow > nextReport)
            {
                _logger.LogInformation("Memshacks wait for the configured silos {Missing} to be active", string.Join(", ", missing));
                nextReport = DateTime.UtcNow + WaitReportInterval;
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The node's index among the configured nodes in ordinal name order: the same on every silo, distinct per node.</summary>
    private static int NodeOrdinal(IEnumerable<string> nodes, string self)
    {
        string[] sorted = nodes.Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length > CasClock.MaxOrdinal + 1)
        {
            throw new InvalidOperationException($"Memshack serves at most {CasClock.MaxOrdinal + 1} nodes; {sorted.Length} are configured");
        }
        return Array.IndexOf(sorted, self);
    }

    /// <summary>Shards with a replica here and another on a node that has been running since well before this silo started.</summary>
    private static HashSet<int> StaleLocalShards(MemshackResource resource, IReadOnlyDictionary<string, SiloAddress> members, SiloAddress self)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(MemshackDeployment.KeyOf(resource), resource.Spec.NumShards,
            resource.Spec.NumReplicas, members.Keys.ToArray());
        long before = self.Generation - RestartMargin.Ticks;
        return Enumerable.Range(0, map.Count)
            .Where(s => map[s].Contains(self.NodeName) && map[s].Any(node => node != self.NodeName && members[node].Generation < before))
            .ToHashSet();
    }

    private void OnMembershipChanged(IReadOnlyList<SiloMember> members)
    {
        var restarted = new List<SiloAddress>();
        lock (_generations)
        {
            foreach (SiloMember member in members)
            {
                SiloAddress address = member.Address;
                if (_generations.TryGetValue(address.NodeName, out long known) && address.Generation > known)
                {
                    _generations[address.NodeName] = address.Generation;
                    restarted.Add(address);
                }
            }
        }
        foreach (SiloAddress address in restarted)
        {
            _logger.LogInformation("{Node} restarted as {Address}; its replicas resync before serving", address.NodeName, address);
            foreach (MemshackDeployment deployment in _deployments)
                deployment.MarkNodeRestarted(address.NodeName);
        }
    }
}

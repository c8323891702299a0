using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;

namespace Mnemo.Silo;

/// <summary>
/// The cluster's nodes as Orleans membership reports them (silo name = node name), for the data
/// plane: the newest incarnation of each node with its status, an event when a node comes back
/// as a new generation (whatever its replicas hold is then unknown to its peers), and which peers
/// may connect to this node's data plane.
/// </summary>
public sealed class ClusterNodes(IClusterMembershipService membership, ILocalSiloDetails local, ILogger<ClusterNodes> logger) : BackgroundService
{
    private readonly object _gate = new();
    private ImmutableDictionary<string, ClusterMember> _nodes = ImmutableDictionary.Create<string, ClusterMember>(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised with the new incarnation when a known node returns as a new generation.</summary>
    public event Action<ClusterMember>? Restarted;

    public string Self => local.Name;

    /// <summary>The newest incarnation of every node seen so far, whatever its status.</summary>
    public ImmutableDictionary<string, ClusterMember> Current => _nodes;

    /// <summary>Waits until this silo and every node of <paramref name="names"/> are Active.</summary>
    public async Task WaitUntilActiveAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        DateTime nextReport = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            Task changed;
            lock (_gate)
                changed = _changed.Task;
            string[] missing = names.Append(Self).Distinct().Where(n => !IsActive(n)).ToArray();
            if (missing.Length == 0)
                return;
            if (DateTime.UtcNow > nextReport)
            {
                logger.LogInformation("Waiting for the nodes {Missing} to be active", string.Join(", ", missing));
                nextReport = DateTime.UtcNow.AddSeconds(10);
            }
            // Wake on the next membership change, or after a while to report who is still missing.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The data plane's admission (<see cref="PeerAdmission"/>): a peer must claim this cluster and an
    /// active member's node name, and connect from the address that member's silo advertises.
    /// </summary>
    public string? AdmitPeer(PeerIdentity claimed, IPAddress source)
    {
        if (claimed.ClusterId != local.ClusterId)
            return $"it is not of this cluster ('{local.ClusterId}')";
        if (!_nodes.TryGetValue(claimed.NodeName, out ClusterMember? member) || member.Status != SiloStatus.Active)
            return "it is not an active member of the cluster";
        IPAddress address = member.SiloAddress.Endpoint.Address;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return address.Equals(source) ? null : $"it connects from {source}, but that member is at {address}";
    }

    public bool IsActive(string node) => _nodes.TryGetValue(node, out ClusterMember? member) && member.Status == SiloStatus.Active;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (ClusterMembershipSnapshot snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
                Apply(snapshot);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Apply(ClusterMembershipSnapshot snapshot)
    {
        var restarted = new List<ClusterMember>();
        lock (_gate)
        {
            var nodes = _nodes.ToBuilder();
            // Several incarnations of a node can be in the table (a dead one and its successor): the newest counts.
            foreach (ClusterMember member in snapshot.Members.Values.GroupBy(m => m.Name).Select(g => g.MaxBy(m => m.SiloAddress.Generation)!))
            {
                if (nodes.TryGetValue(member.Name, out ClusterMember? known) && known.SiloAddress.Generation > member.SiloAddress.Generation)
                    continue;
                if (known is not null && known.SiloAddress.Generation < member.SiloAddress.Generation)
                    restarted.Add(member);
                nodes[member.Name] = member;
            }
            _nodes = nodes.ToImmutable();
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        foreach (ClusterMember member in restarted)
        {
            logger.LogInformation("{Node} returned as a new generation {Address}", member.Name, member.SiloAddress);
            Restarted?.Invoke(member);
        }
    }
}

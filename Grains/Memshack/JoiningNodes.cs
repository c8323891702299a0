namespace Mnemo.Grains;

/// <summary>
/// Which known nodes a Memshack is placed over, for its move coordinator. A node that holds replicas of
/// it now is always kept (a node that is merely down keeps its replicas). A known node that holds none
/// joins only once its silo is Active, because its new replicas are filled by a copy that needs it up:
/// until then every move of the Memshack waits for it, but only for <see cref="Grace"/>. A node that has
/// not been Active for that long since it was first seen waiting (a silo that failed on its first start)
/// is left out of the placement, so shard and replica changes and other nodes' moves go on without it;
/// once it is Active it joins like any new node. When each wait began is recorded in the Memshack's
/// status and given back here, so a coordinator activated anew (its silo died, or it was deactivated)
/// continues the waits instead of starting them again.
/// </summary>
public sealed class JoiningNodes(TimeSpan grace)
{
    /// <summary>The default of <see cref="Grace"/>: long enough for a silo's ordinary start.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(5);

    public TimeSpan Grace { get; } = grace >= TimeSpan.Zero ? grace : throw new ArgumentOutOfRangeException(nameof(grace), "the grace period cannot be negative");

    /// <summary>
    /// Splits <paramref name="known"/> (ordinal order kept) into the nodes to place the Memshack over, the
    /// joining nodes still waited for and those left out.
    /// </summary>
    /// <param name="placedOver">The nodes the Memshack's topology is placed over now (none before it is first placed).</param>
    /// <param name="active">The nodes whose silos are Active.</param>
    /// <param name="recorded">The waits recorded so far (<see cref="NodePlacement.Inactive"/> of an earlier placement); a node
    /// not among them starts waiting <paramref name="now"/>.</param>
    public NodePlacement Place(IReadOnlyList<string> known, IReadOnlyCollection<string> placedOver, IReadOnlySet<string> active,
        IReadOnlyList<InactiveNode> recorded, DateTimeOffset now)
    {
        var placed = new List<string>();
        var waitingFor = new List<string>();
        var leftOut = new List<string>();
        var inactive = new List<InactiveNode>();
        foreach (string node in known)
        {
            if (placedOver.Contains(node) || active.Contains(node))
            {
                placed.Add(node);
                continue;
            }
            // A node the last recorded placement did not list (Active or not known then) starts a new wait.
            InactiveNode wait = recorded.FirstOrDefault(r => r.Node == node) ?? new InactiveNode(node, now);
            inactive.Add(wait);
            if (now - wait.Since < Grace)
            {
                waitingFor.Add(node);
                placed.Add(node);
            }
            else
            {
                leftOut.Add(node);
            }
        }
        return new NodePlacement(placed, waitingFor, leftOut, inactive);
    }
}

/// <summary>A joining node that is not Active, and since when it has been waited for.</summary>
public sealed record InactiveNode(string Node, DateTimeOffset Since);

/// <summary>The outcome of <see cref="JoiningNodes.Place"/>.</summary>
/// <param name="Nodes">The nodes to place the Memshack over: its current ones, the Active joining ones and those still waited for.</param>
/// <param name="WaitingFor">Joining nodes not Active yet, within their grace period: no move starts while there is one.</param>
/// <param name="LeftOut">Joining nodes not Active for longer than the grace period: placed over the others meanwhile.</param>
/// <param name="Inactive">The waits of the nodes in <paramref name="WaitingFor"/> and <paramref name="LeftOut"/>, to be recorded.</param>
public sealed record NodePlacement(IReadOnlyList<string> Nodes, IReadOnlyList<string> WaitingFor, IReadOnlyList<string> LeftOut,
    IReadOnlyList<InactiveNode> Inactive);

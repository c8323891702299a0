namespace Mnemo.Grains;

/// <summary>
/// What a Memshack's <c>status.placement</c> says while its placement waits for joining nodes that are not
/// Active, or leaves them out after the grace period (<see cref="JoiningNodes"/>); absent otherwise.
/// </summary>
/// <param name="Reason"><c>NodesLeftOut</c> when a node is left out, else <c>WaitingForNodes</c>.</param>
/// <param name="InactiveSince">When the wait for each of those nodes began: the next placement, by whichever activation of the
/// coordinator, counts the grace period from there.</param>
public sealed record MemshackPlacementNotice(string Reason, IReadOnlyList<string> WaitingFor, IReadOnlyList<string> LeftOut, string Message,
    IReadOnlyList<InactiveNode> InactiveSince)
{
    public const string NodesLeftOut = "NodesLeftOut";
    public const string WaitingForNodes = "WaitingForNodes";

    /// <summary>The notice for <paramref name="placement"/>, or null when no joining node is waited for or left out.</summary>
    public static MemshackPlacementNotice? Of(NodePlacement placement, TimeSpan grace)
    {
        var parts = new List<string>();
        if (placement.LeftOut.Count > 0)
            parts.Add($"{string.Join(", ", placement.LeftOut)} left out: registered but not active for {grace:c}; placed over the other nodes until it starts");
        if (placement.WaitingFor.Count > 0)
            parts.Add($"waiting for {string.Join(", ", placement.WaitingFor)} to become active (left out after {grace:c}); no move starts meanwhile");
        return parts.Count == 0
            ? null
            : new MemshackPlacementNotice(placement.LeftOut.Count > 0 ? NodesLeftOut : WaitingForNodes, placement.WaitingFor, placement.LeftOut,
                string.Join("; ", parts), placement.Inactive);
    }

    /// <summary>Whether two notices (null: none) say the same, waits included.</summary>
    public static bool Same(MemshackPlacementNotice? a, MemshackPlacementNotice? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Reason == b.Reason && a.Message == b.Message && a.InactiveSince.SequenceEqual(b.InactiveSince);
}

using Xunit;

namespace Mnemo.Grains.Tests;

/// <summary>
/// Which known nodes a Memshack is placed over: current holders always, joining nodes once Active, a joining
/// node that is not Active waited for during the grace period (counted from the wait recorded) and left out after it.
/// </summary>
public sealed class JoiningNodesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Known = ["node-0", "node-1", "node-2", "node-3"];
    private static readonly string[] PlacedOver = ["node-0", "node-1", "node-2"];

    [Fact]
    public void A_joining_node_that_never_becomes_active_is_waited_for_during_the_grace_period_then_left_out()
    {
        var joining = new JoiningNodes(TimeSpan.FromMinutes(5));
        HashSet<string> active = ["node-0", "node-1"];

        NodePlacement first = joining.Place(Known, PlacedOver, active, [], Start);
        NodePlacement almost = joining.Place(Known, PlacedOver, active, first.Inactive, Start + TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        NodePlacement after = joining.Place(Known, PlacedOver, active, almost.Inactive, Start + TimeSpan.FromMinutes(5));

        // node-2 holds replicas: down, it keeps them.
        Assert.Equal(Known, first.Nodes);
        Assert.Equal(["node-3"], first.WaitingFor);
        Assert.Equal([new InactiveNode("node-3", Start)], first.Inactive);
        Assert.Empty(first.LeftOut);
        Assert.Equal(["node-3"], almost.WaitingFor);
        Assert.Equal(PlacedOver, after.Nodes);
        Assert.Empty(after.WaitingFor);
        Assert.Equal(["node-3"], after.LeftOut);
        Assert.Equal([new InactiveNode("node-3", Start)], after.Inactive);
    }

    [Fact]
    public void The_grace_period_counts_from_the_recorded_wait_not_from_when_this_instance_first_saw_the_node()
    {
        // A coordinator activated anew three minutes into the wait another activation recorded.
        var joining = new JoiningNodes(TimeSpan.FromMinutes(5));
        HashSet<string> active = ["node-0", "node-1"];
        InactiveNode[] recorded = [new("node-3", Start)];

        Assert.Equal(["node-3"], joining.Place(Known, PlacedOver, active, recorded, Start + TimeSpan.FromMinutes(3)).WaitingFor);
        Assert.Equal(["node-3"], joining.Place(Known, PlacedOver, active, recorded, Start + TimeSpan.FromMinutes(5)).LeftOut);
    }

    [Fact]
    public void A_left_out_node_joins_once_active_and_a_new_absence_starts_a_new_grace_period()
    {
        var joining = new JoiningNodes(TimeSpan.FromMinutes(1));
        NodePlacement first = joining.Place(Known, PlacedOver, new HashSet<string>(PlacedOver), [], Start);
        NodePlacement leftOut = joining.Place(Known, PlacedOver, new HashSet<string>(PlacedOver), first.Inactive, Start + TimeSpan.FromMinutes(2));
        Assert.Equal(["node-3"], leftOut.LeftOut);

        NodePlacement joined = joining.Place(Known, PlacedOver, new HashSet<string>(Known), leftOut.Inactive, Start + TimeSpan.FromMinutes(3));
        Assert.Equal(Known, joined.Nodes);
        Assert.Empty(joined.LeftOut);
        Assert.Empty(joined.Inactive);

        // Down again before its replicas were placed: waited for afresh.
        NodePlacement again = joining.Place(Known, PlacedOver, new HashSet<string>(PlacedOver), joined.Inactive, Start + TimeSpan.FromMinutes(4));
        Assert.Equal(["node-3"], again.WaitingFor);
        Assert.Empty(again.LeftOut);
    }

    [Fact]
    public void Before_the_first_placement_every_inactive_node_is_a_joining_one()
    {
        var joining = new JoiningNodes(TimeSpan.Zero);
        NodePlacement placement = joining.Place(Known, [], new HashSet<string>(["node-0", "node-2"]), [], Start);
        Assert.Equal(["node-0", "node-2"], placement.Nodes);
        Assert.Equal(["node-1", "node-3"], placement.LeftOut);
    }

    [Fact]
    public void The_status_notice_names_the_nodes_waited_for_and_left_out_and_since_when()
    {
        var joining = new JoiningNodes(TimeSpan.FromMinutes(5));
        Assert.Null(MemshackPlacementNotice.Of(joining.Place(Known, PlacedOver, new HashSet<string>(Known), [], Start), joining.Grace));

        MemshackPlacementNotice? waiting = MemshackPlacementNotice.Of(joining.Place(Known, PlacedOver, new HashSet<string>(PlacedOver), [], Start), joining.Grace);
        Assert.NotNull(waiting);
        Assert.Equal(MemshackPlacementNotice.WaitingForNodes, waiting.Reason);
        Assert.Contains("waiting for node-3", waiting.Message);
        Assert.Equal([new InactiveNode("node-3", Start)], waiting.InactiveSince);

        MemshackPlacementNotice? leftOut = MemshackPlacementNotice.Of(
            joining.Place(Known, PlacedOver, new HashSet<string>(PlacedOver), waiting.InactiveSince, Start + TimeSpan.FromMinutes(6)), joining.Grace);
        Assert.NotNull(leftOut);
        Assert.Equal(MemshackPlacementNotice.NodesLeftOut, leftOut.Reason);
        Assert.Equal(["node-3"], leftOut.LeftOut);
        Assert.StartsWith("node-3 left out", leftOut.Message);
        Assert.False(MemshackPlacementNotice.Same(waiting, leftOut));
        Assert.True(MemshackPlacementNotice.Same(leftOut, leftOut with { WaitingFor = [.. leftOut.WaitingFor] }));
    }
}

namespace Mnemo.Client;

/// <summary>A silo of the cluster as the membership table records it.</summary>
/// <param name="Node">The node the silo manages (its Orleans silo name).</param>
/// <param name="Address">Its Orleans silo endpoint, <c>ip:port</c>.</param>
/// <param name="Status">Orleans' status: Joining, Active, ShuttingDown, Stopping or Dead.</param>
/// <param name="Generation">Changes with every restart of the silo.</param>
/// <param name="Since">When this incarnation started.</param>
/// <param name="LastAlive">Its last heartbeat in the membership table.</param>
public sealed record MemberInfo(string Node, string Address, string Status, int Generation, DateTimeOffset Since, DateTimeOffset LastAlive);

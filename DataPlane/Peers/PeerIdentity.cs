using System.Net;

namespace Mnemo.DataPlane;

/// <summary>Who a connecting peer says it is: its cluster and its silo's node name, as the cluster's membership knows them.</summary>
public readonly record struct PeerIdentity(string ClusterId, string NodeName);

/// <summary>
/// Decides whether a connecting peer may use this node's data plane, from the identity it presented
/// and the address it connects from.
/// </summary>
/// <returns>Null to admit the peer; else why it is refused (logged, and the connection is closed).</returns>
public delegate string? PeerAdmission(PeerIdentity claimed, IPAddress source);

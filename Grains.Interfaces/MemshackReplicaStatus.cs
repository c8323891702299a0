namespace Mnemo.Grains.Interfaces;

/// <summary>One replica of a Memshack shard as seen by the silos that serve the shard.</summary>
/// <param name="Node">The node holding the replica.</param>
/// <param name="State">in_sync, resyncing, needs_resync or unreachable.</param>
/// <param name="PendingHints">Missed keys waiting to be repaired.</param>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackReplicaStatus")]
public sealed record MemshackReplicaStatus(string Node, string State, int PendingHints);

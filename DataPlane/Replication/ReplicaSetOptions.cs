namespace Mnemo.DataPlane;

/// <summary>How a <see cref="ReplicaSet"/> writes, reads and repairs.</summary>
public sealed record ReplicaSetOptions
{
    /// <summary>Acknowledgements a write needs; <see cref="WriteQuorum.All"/> is mcrouter's AllSyncRoute.</summary>
    public WriteQuorum WriteQuorum { get; init; } = WriteQuorum.All;

    /// <summary>
    /// Name of the gateway node using the set; when the set has no <see cref="LocalReplica"/>, its hash
    /// picks the preferred replica for reads (LatestRoute).
    /// </summary>
    public string GatewayName { get; init; } = "";

    /// <summary>
    /// Index of the replica held in the gateway silo's own engine, or null when the silo holds none of
    /// the shard. Reads prefer it: it answers without a network round trip.
    /// </summary>
    public int? LocalReplica { get; init; }

    /// <summary>Missed keys remembered per replica before it is marked <see cref="ReplicaState.NeedsResync"/>.</summary>
    public int HintCapacity { get; init; } = 100_000;

    /// <summary>Bytes of items per resync chunk.</summary>
    public int ResyncChunkBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Chooses the CAS of every write the set fans out; share one per silo, with the node's ordinal
    /// (see <see cref="Replication.CasClock"/>).
    /// </summary>
    public CasClock CasClock { get; init; } = new(0);

    /// <summary>
    /// Buckets anti-entropy splits a shard's keys into (at most <see cref="ReplicaVersions.MaxBuckets"/>):
    /// more buckets list fewer keys per differing bucket, and cost 8 bytes each per comparison.
    /// </summary>
    public int AntiEntropyBuckets { get; init; } = 1024;

    /// <summary>Number of key lock stripes (see <see cref="KeyLockStripes"/>).</summary>
    public int KeyLockStripes { get; init; } = 1024;
}

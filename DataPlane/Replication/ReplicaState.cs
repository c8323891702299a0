namespace Mnemo.DataPlane;

/// <summary>Where one replica of a shard stands, for routing and status reporting.</summary>
public enum ReplicaState
{
    /// <summary>Holds every acknowledged write; serves reads.</summary>
    InSync,
    /// <summary>Copying the shard from a healthy peer; receives new writes, serves no reads.</summary>
    Resyncing,
    /// <summary>Missed writes (recorded as hints) because it did not answer; serves reads only of keys it did not miss.</summary>
    Unreachable,
    /// <summary>Missed more writes than the hint log holds, or is new/restarted: must copy the whole shard before serving.</summary>
    NeedsResync,
}

/// <summary>A replica's state as reported to status readers.</summary>
public sealed record ReplicaStatus(string Name, ReplicaState State, int PendingHints, bool Preferred);

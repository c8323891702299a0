namespace Mnemo.DataPlane;

// How often the shard's replicas were brought back in sync, for the replication metrics.
public sealed partial class ReplicaSet
{
    private long _resyncsCompleted;
    private long _resyncsFailed;
    private long _hintRepairs;

    /// <summary>Resyncs that left their replica in sync.</summary>
    public long ResyncsCompleted => Interlocked.Read(ref _resyncsCompleted);

    /// <summary>Resyncs that ended with their replica still needing one.</summary>
    public long ResyncsFailed => Interlocked.Read(ref _resyncsFailed);

    /// <summary>Unreachable replicas brought back in sync by repairing the keys they missed.</summary>
    public long HintRepairs => Interlocked.Read(ref _hintRepairs);
}

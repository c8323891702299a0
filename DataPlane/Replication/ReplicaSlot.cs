namespace Mnemo.DataPlane;

/// <summary>A replica with what the replica set tracks about it.</summary>
internal sealed class ReplicaSlot(IReplica replica, int hintCapacity)
{
    private volatile ReplicaState _state = ReplicaState.InSync;

    public IReplica Replica { get; } = replica;

    public HintLog Hints { get; } = new(hintCapacity);

    /// <summary>Keys deleted while the replica resyncs, so the bulk copy does not bring them back; null otherwise.</summary>
    public HashSet<byte[]>? Tombstones { get; set; }

    public ReplicaState State
    {
        get => _state;
        set => _state = value;
    }

    /// <summary>Guards state transitions that must be atomic with the hint log or tombstones.</summary>
    public object Gate { get; } = new();
}

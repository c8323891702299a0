namespace Mnemo.Grains.Interfaces;

/// <summary>
/// A Memshack moving from one topology to another while it serves, as its status records it.
/// Phases, in order: <see cref="Mirroring"/> (every gateway writes into both topologies),
/// <see cref="Copying"/> (each shard of the old topology is copied into the new one),
/// <see cref="Switching"/> (writes held for a moment while every gateway turns to the new topology),
/// <see cref="Cleaning"/> (each node drops the replicas and keys it no longer holds), then
/// <see cref="Done"/>: the last move stays in the status with its figures until the next one starts.
/// <see cref="KeysRemaining"/> counts the items of the shards not copied yet (as their replicas held them when the copy began);
/// <see cref="KeysMoved"/> the items whose Ch3 shard changed, <see cref="KeysCopied"/> every item written into the new topology
/// (the moved ones and the shards placed on other nodes). A shard that keeps its index and its replica nodes is not scanned.
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.MemshackMove")]
public sealed record MemshackMove(string Phase, MemshackTopology From, MemshackTopology To, int[] ShardsDone, long KeysScanned, long KeysMoved,
    long KeysRemaining, DateTimeOffset StartedAt, string? Message = null, long KeysCopied = 0)
{
    public const string Mirroring = "Mirroring";
    public const string Copying = "Copying";
    public const string Switching = "Switching";
    public const string Cleaning = "Cleaning";
    public const string Done = "Done";

    /// <summary>True while gateways must write into both topologies (a restarted silo serves it that way).</summary>
    public bool Mirrors => Phase is Mirroring or Copying or Switching;

    public bool UnderWay => Phase != Done;
}

/// <summary>How far one silo has copied one shard of a move.</summary>
/// <param name="Failure">Why the copy stopped, when it failed; running it again is safe.</param>
[GenerateSerializer, Immutable, Alias("mnemo.ShardMoveProgress")]
public sealed record ShardMoveProgress(int Shard, bool Done, long Scanned, long Moved, long Copied, string? Failure = null);

using Orleans.Concurrency;

namespace Mnemo.Grains.Interfaces;

/// <summary>What one silo knows about the Memshacks it serves; key = node name, so the activation
/// lives on that node's silo.</summary>
[Alias("mnemo.MemshackNode")]
public interface IMemshackNodeGrain : IGrainWithStringKey
{
    /// <summary>The port this silo's data plane listens on (its host is the silo's own).</summary>
    /// <remarks>Answered even while a move step runs here: a step on a peer may wait for this port (a node that
    /// has just joined is connected to for the first time), and that peer's step may be the one this one waits for.</remarks>
    [Alias("GetDataPort"), AlwaysInterleave]
    Task<int> GetDataPortAsync();

    /// <summary>This silo's view of shard <paramref name="shard"/> of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    [Alias("GetShardView")]
    Task<MemshackShardStatus> GetShardViewAsync(string memshack, int shard);

    /// <summary>Starts mirroring this silo's writes to <paramref name="memshack"/> into topology <paramref name="to"/>; idempotent.</summary>
    [Alias("BeginMove")]
    Task BeginMoveAsync(string memshack, MemshackTopology from, MemshackTopology to);

    /// <summary>Starts copying <paramref name="shard"/> of the current topology from this silo's replica (unless under way) and tells how far it is.</summary>
    [Alias("MoveShard")]
    Task<ShardMoveProgress> MoveShardAsync(string memshack, int shard);

    /// <summary>The items this silo's replica of <paramref name="shard"/> (current topology) holds.</summary>
    [Alias("CountShardItems")]
    Task<long> CountShardItemsAsync(string memshack, int shard);

    /// <summary>Holds this silo's writes to <paramref name="memshack"/> for at most <paramref name="lease"/>; returns once none is in flight.</summary>
    [Alias("HoldWrites")]
    Task HoldWritesAsync(string memshack, TimeSpan lease);

    [Alias("ReleaseWrites")]
    Task ReleaseWritesAsync(string memshack);

    /// <summary>Serves <paramref name="memshack"/> with topology <paramref name="to"/> only, and releases held writes; idempotent.</summary>
    [Alias("CompleteMove")]
    Task CompleteMoveAsync(string memshack, MemshackTopology to);

    /// <summary>Drops this node's replicas that <paramref name="topology"/> does not place here and deletes keys routed elsewhere; the number of keys deleted.</summary>
    [Alias("CleanUpMove")]
    Task<long> CleanUpMoveAsync(string memshack, MemshackTopology topology);

    /// <summary>Compares the replicas of shard <paramref name="shard"/> of <paramref name="memshack"/> through this silo's replica set.</summary>
    [Alias("VerifyShard")]
    Task<MemshackShardVerification> VerifyShardAsync(string memshack, int shard);
}

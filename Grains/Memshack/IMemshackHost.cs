using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains;

/// <summary>
/// What a silo's Memshack service does for a move between topologies, on this node; the node grain
/// forwards the coordinator's calls here (the host registers the implementation).
/// </summary>
public interface IMemshackHost
{
    Task BeginMoveAsync(string memshack, MemshackTopology from, MemshackTopology to, CancellationToken cancellationToken);

    ShardMoveProgress MoveShard(string memshack, int shard);

    Task<long> CountShardItemsAsync(string memshack, int shard, CancellationToken cancellationToken);

    Task HoldWritesAsync(string memshack, TimeSpan lease, CancellationToken cancellationToken);

    void ReleaseWrites(string memshack);

    Task CompleteMoveAsync(string memshack, MemshackTopology to, CancellationToken cancellationToken);

    Task<long> CleanUpMoveAsync(string memshack, MemshackTopology topology, CancellationToken cancellationToken);
}

/// <summary>A move step asked of a silo that cannot take it now (the Memshack is not served here, or not with the expected topology).</summary>
public sealed class MemshackMoveRefusedException(string message) : Exception(message);

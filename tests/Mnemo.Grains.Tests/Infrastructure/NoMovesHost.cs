using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains.Tests;

/// <summary>The Memshack host of a test silo that serves no Memshack through a silo service: every move step is refused, as a silo refuses it for a Memshack it does not serve.</summary>
internal sealed class NoMovesHost(string node) : IMemshackHost
{
    public Task BeginMoveAsync(string memshack, MemshackTopology from, MemshackTopology to, CancellationToken cancellationToken) => throw Refused(memshack);

    public ShardMoveProgress MoveShard(string memshack, int shard) => throw Refused(memshack);

    public Task<long> CountShardItemsAsync(string memshack, int shard, CancellationToken cancellationToken) => throw Refused(memshack);

    public Task HoldWritesAsync(string memshack, TimeSpan lease, CancellationToken cancellationToken) => throw Refused(memshack);

    public void ReleaseWrites(string memshack)
    {
    }

    public Task CompleteMoveAsync(string memshack, MemshackTopology to, CancellationToken cancellationToken) => throw Refused(memshack);

    public Task<long> CleanUpMoveAsync(string memshack, MemshackTopology topology, CancellationToken cancellationToken) => throw Refused(memshack);

    private MemshackMoveRefusedException Refused(string memshack) => new($"{memshack} is not served on {node}");
}

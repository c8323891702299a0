using System.Runtime.CompilerServices;
using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.OrleansBench;

/// <summary>A replica write as a set on the shared, pipelined <see cref="PeerConnection"/> to the peer's data-plane server.</summary>
internal sealed class DataPlaneReplicaWriter(PeerConnection peer, string region) : IReplicaWriter
{
    private readonly byte[] _region = Encoding.UTF8.GetBytes(region);

    public ValueTask<bool> WriteAsync(byte[] key, byte[] value)
    {
        ValueTask<CacheResult> pending = peer.StoreAsync(_region, CacheStoreMode.Set, key, value, 0, 0);
        return pending.IsCompletedSuccessfully ? new(pending.Result.Status == CacheStatus.Ok) : AwaitAsync(pending);
    }

    // Pooled so that adapting the result to bool does not add an allocation per write the
    // connection itself avoids.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> AwaitAsync(ValueTask<CacheResult> pending) =>
        (await pending.ConfigureAwait(false)).Status == CacheStatus.Ok;
}

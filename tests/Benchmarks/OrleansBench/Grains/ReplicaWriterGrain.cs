using Mnemo.NativeEngine;

namespace Mnemo.OrleansBench;

/// <summary>Writes into silo-1's engine region: the same engine call the data-plane server makes per set.</summary>
[SiloPinnedPlacement]
public sealed class ReplicaWriterGrain(ReplicaRegion replica) : PinnedGrain, IReplicaWriterGrain
{
    public Task<bool> Write(byte[] key, byte[] value) =>
        Task.FromResult(replica.Pool.Store(replica.Region, StoreMode.Set, key, value, 0, 0, out _) == EngineStatus.Ok);
}

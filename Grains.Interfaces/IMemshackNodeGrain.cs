namespace Mnemo.Grains.Interfaces;

/// <summary>What one silo knows about the Memshacks it serves; key = node name, so the activation
/// lives on that node's silo.</summary>
[Alias("mnemo.MemshackNode")]
public interface IMemshackNodeGrain : IGrainWithStringKey
{
    /// <summary>The port this silo's data plane listens on (its host is the silo's own).</summary>
    [Alias("GetDataPort")]
    Task<int> GetDataPortAsync();

    /// <summary>This silo's view of shard <paramref name="shard"/> of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    [Alias("GetShardView")]
    Task<MemshackShardStatus> GetShardViewAsync(string memshack, int shard);

    /// <summary>Compares the replicas of shard <paramref name="shard"/> of <paramref name="memshack"/> through this silo's replica set.</summary>
    [Alias("VerifyShard")]
    Task<MemshackShardVerification> VerifyShardAsync(string memshack, int shard);
}

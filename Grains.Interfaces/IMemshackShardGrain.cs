namespace Mnemo.Grains.Interfaces;

/// <summary>
/// The control and status surface of one Memshack shard; key <c>namespace/name/shard</c>. Cache
/// operations never pass through it: gateways talk to the replicas directly.
/// </summary>
[Alias("mnemo.MemshackShard")]
public interface IMemshackShardGrain : IGrainWithStringKey
{
    /// <summary>The shard's replica nodes and each replica's state, merged from the views of the silos that hold them.</summary>
    [Alias("GetStatus")]
    Task<MemshackShardStatus> GetStatusAsync();

    /// <summary>
    /// Compares the shard's replicas: every replica computes digests of its keys where it lives, and the
    /// keys whose versions differ are counted and listed (nothing is repaired).
    /// </summary>
    [Alias("Verify")]
    Task<MemshackShardVerification> VerifyAsync();
}

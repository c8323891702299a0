using Mnemo.Grains.Memshack;
using Mnemo.Runtime;

namespace Mnemo.Grains;

/// <summary>What one silo knows about the Memshacks it serves; key = node name, so the activation
/// lives on that node's silo.</summary>
[GrainType("memshack-node")]
[NodePinnedPlacement]
public interface IMemshackNodeGrain : IGrainWithStringKey
{
    /// <summary>The port this silo's data plane listens on (its host is the silo's own).</summary>
    Task<int> GetDataPortAsync();

    /// <summary>This silo's view of shard <paramref name="shard"/> of <paramref name="memshack"/> (<c>namespace/name</c>).</summary>
    Task<MemshackShardStatus> GetShardViewAsync(string memshack, int shard);
}

using Mnemo.NativeEngine;

namespace Mnemo.OrleansBench;

/// <summary>
/// The engine region the replica grain writes to. Registered in silo-1 only: the pool belongs to that
/// node, so an activation placed anywhere else fails to construct instead of writing to no pool.
/// </summary>
public sealed class ReplicaRegion(EnginePool pool, string regionName)
{
    public EnginePool Pool { get; } = pool;

    public Region Region { get; } = pool.GetOrCreateRegion(regionName);
}

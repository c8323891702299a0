using Mnemo.NativeEngine;

namespace Mnemo.Grains.NodeMemory;

/// <summary>The memory pool of the node this silo runs on, opened once by the host and shared by
/// the grains that live here.</summary>
public sealed class NodePool(string nodeName, EnginePool pool) : IDisposable
{
    public string NodeName { get; } = nodeName;

    public EnginePool Pool { get; } = pool;

    public void Dispose() => Pool.Dispose();
}

using Mnemo.NativeEngine;

namespace Mnemo.Grains;

/// <summary>The memory pool of the node this silo runs on, opened once by the host and shared by
/// the grains that live here.</summary>
public sealed class NodePool(string nodeName, EnginePool pool) : IDisposable
{
    public string NodeName { get; } = nodeName;

    public EnginePool Pool { get; } = pool;

    /// <summary>Node-pinned placement makes a mismatch impossible; were it to happen, a grain would report another node's pool.</summary>
    public void EnsureOwns(string node)
    {
        if (!string.Equals(node, NodeName, StringComparison.Ordinal))
            throw new InvalidOperationException($"a grain of node '{node}' was activated on node '{NodeName}'");
    }

    public void Dispose() => Pool.Dispose();
}

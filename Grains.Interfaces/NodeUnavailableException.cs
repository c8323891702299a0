namespace Mnemo.Grains.Interfaces;

/// <summary>A node-pinned grain was called for a node that has no active silo.</summary>
[GenerateSerializer, Alias("mnemo.NodeUnavailableException")]
public sealed class NodeUnavailableException : OrleansException
{
    public NodeUnavailableException(string node)
        : base($"node '{node}' has no active silo; its grains live only there")
    {
        Node = node;
    }

    [Id(0)]
    public string Node { get; }
}

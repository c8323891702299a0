using Mnemo.Grains;
using Mnemo.Kubernetes;

namespace Mnemo.Silo;

/// <summary>The cluster's known nodes for the move coordinator: the nodes registered in the Kubernetes API (<see cref="NodeRegistry"/>).</summary>
public sealed class RegisteredNodes(NodeRegistry registry) : IKnownNodes
{
    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => registry.ListAsync(cancellationToken);
}

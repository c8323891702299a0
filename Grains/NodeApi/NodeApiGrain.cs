using Mnemo.Grains.Interfaces;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>Answers with the client APIs of this node's silo.</summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeApiGrain(NodePool nodePool, NodeApiEndpoints endpoints) : Grain, INodeApiGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<string?> GetGrpcEndpointAsync() => Task.FromResult(endpoints.Grpc);
}

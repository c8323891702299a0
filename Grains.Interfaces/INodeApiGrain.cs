namespace Mnemo.Grains.Interfaces;

/// <summary>The client APIs a node's silo serves, so clients that found the cluster through its Orleans
/// gateways find those too. Key = node name; the activation lives on that node's silo.</summary>
[Alias("mnemo.NodeApi")]
public interface INodeApiGrain : IGrainWithStringKey
{
    /// <summary>The silo's gRPC API as a URI (<c>http://127.0.0.1:11151</c>, <c>https://10.0.0.5:11151</c> with TLS); null when it serves none.</summary>
    [Alias("GetGrpcEndpoint")]
    Task<string?> GetGrpcEndpointAsync();
}

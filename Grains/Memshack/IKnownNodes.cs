namespace Mnemo.Grains;

/// <summary>
/// The nodes the cluster knows: each registered by its silo's first start, until an operator removes it.
/// Memshack replicas are placed over them (a node that is merely down stays known and keeps its replicas).
/// The host implements it on the Kubernetes API.
/// </summary>
public interface IKnownNodes
{
    /// <summary>The known node names, in ordinal name order.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);
}

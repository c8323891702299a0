using Mnemo.Grains.Interfaces;

namespace Mnemo.Grains;

/// <summary>
/// A Memshack resource as the move coordinator reads and records it: the spec it asks for, the
/// topology it is served with and the move under way (the resource's status). The host implements it
/// on the Kubernetes API.
/// </summary>
public interface IMemshackStatusStore
{
    /// <summary>The resource, or null when it does not exist (or is not a servable Memshack).</summary>
    Task<MemshackState?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Records the served topology and the move (null: none) in the resource's status.</summary>
    Task WriteAsync(string @namespace, string name, MemshackTopology served, MemshackMove? move, CancellationToken cancellationToken);

    /// <summary>Records which joining nodes the placement waits for or leaves out (<c>status.placement</c>; null removes it).</summary>
    Task WritePlacementAsync(string @namespace, string name, MemshackPlacementNotice? notice, CancellationToken cancellationToken);
}

/// <param name="Served">The topology recorded in the status; null before the first record.</param>
/// <param name="Placement">The placement notice recorded in the status (<c>status.placement</c>), null when there is none.</param>
public sealed record MemshackState(MemshackResource Resource, MemshackTopology? Served, MemshackMove? Move, MemshackPlacementNotice? Placement = null);

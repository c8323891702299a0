namespace Mnemo.OrleansBench;

/// <summary>The alternative design: a replica of a shard as a grain, one grain call per replica write.</summary>
public interface IReplicaWriterGrain : IPinnedGrain
{
    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="value"/> in the grain's engine region; false if
    /// the engine did not store it. [Immutable] spares the argument copy; across silos the bytes are
    /// serialized once either way.
    /// </summary>
    Task<bool> Write([Immutable] byte[] key, [Immutable] byte[] value);
}

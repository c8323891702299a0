namespace Mnemo.OrleansBench;

/// <summary>A replica write as one grain call from silo-0's hosted code to the replica grain on silo-1.</summary>
internal sealed class GrainReplicaWriter(IReplicaWriterGrain grain) : IReplicaWriter
{
    public ValueTask<bool> WriteAsync(byte[] key, byte[] value) => new(grain.Write(key, value));
}

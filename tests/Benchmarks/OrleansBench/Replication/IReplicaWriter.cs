namespace Mnemo.OrleansBench;

/// <summary>One replica write, whichever way it travels; true when the replica stored it.</summary>
internal interface IReplicaWriter
{
    ValueTask<bool> WriteAsync(byte[] key, byte[] value);
}

namespace Mnemo.DataPlane.Tests;

/// <summary>A replica that counts the stores it is sent.</summary>
internal sealed class CountingReplica(IReplica inner) : ForwardingReplica(inner)
{
    private long _stores;

    public long Stores => Interlocked.Read(ref _stores);

    public override ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _stores);
        return base.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);
    }
}

namespace Mnemo.DataPlane.Tests;

/// <summary>A replica whose first store that <paramref name="races"/> picks runs only after <paramref name="raceAsync"/> completed.</summary>
internal sealed class RacingReplica(IReplica inner, Func<CacheWriteOptions, bool> races, Func<Task> raceAsync) : ForwardingReplica(inner)
{
    public bool Raced { get; private set; }

    public override async ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        if (races(options) && !Raced)
        {
            Raced = true;
            await raceAsync();
        }
        return await base.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);
    }
}

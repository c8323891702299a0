using System.Buffers;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// A store that never answers synchronously, as a replicated shard across the network does: each
/// operation yields to the thread pool (and every third one also waits a millisecond, so operations
/// finish at uneven times) before running on the wrapped store. The value of a read is written into
/// the caller's buffer writer from that other thread.
/// </summary>
public sealed class YieldingCacheStore(IAsyncCacheStore inner) : IAsyncCacheStore
{
    private long _operations;

    /// <summary>Operations that were answered asynchronously.</summary>
    public long Operations => Interlocked.Read(ref _operations);

    public int ItemSizeMax => inner.ItemSizeMax;

    public async ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.GetAsync(key, value, options, cancellationToken);
    }

    public async ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);
    }

    public async ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.DeleteAsync(key, options, cancellationToken);
    }

    public async ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.ArithmeticAsync(key, decrement, delta, options, cancellationToken);
    }

    public async ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.TouchAsync(key, exptime, cancellationToken);
    }

    public async ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.FlushAsync(delaySeconds, cancellationToken);
    }

    public async ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await PauseAsync();
        return await inner.GetStatsAsync(cancellationToken);
    }

    private async Task PauseAsync()
    {
        long operation = Interlocked.Increment(ref _operations);
        await Task.Yield();
        if (operation % 3 == 0)
        {
            await Task.Delay(1);
        }
    }
}

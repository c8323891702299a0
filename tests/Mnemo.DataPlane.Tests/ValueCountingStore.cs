using System.Buffers;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>A store that counts the value bytes its inner store writes for reads (copied locally or received from a peer).</summary>
internal sealed class ValueCountingStore(IAsyncCacheStore inner) : IAsyncCacheStore
{
    private long _valueBytes;

    public long ValueBytes => Interlocked.Read(ref _valueBytes);

    public int ItemSizeMax => inner.ItemSizeMax;

    public ValueTask<CacheResult> GetAsync(ReadOnlyMemory<byte> key, IBufferWriter<byte> value, CacheReadOptions options = default,
        CancellationToken cancellationToken = default) =>
        inner.GetAsync(key, new CountingWriter(value, this), options, cancellationToken);

    public ValueTask<CacheResult> StoreAsync(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        inner.StoreAsync(mode, key, value, flags, exptime, options, cancellationToken);

    public ValueTask<CacheResult> DeleteAsync(ReadOnlyMemory<byte> key, CacheWriteOptions options = default, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(key, options, cancellationToken);

    public ValueTask<CacheResult> ArithmeticAsync(ReadOnlyMemory<byte> key, bool decrement, ulong delta, CacheWriteOptions options = default,
        CancellationToken cancellationToken = default) =>
        inner.ArithmeticAsync(key, decrement, delta, options, cancellationToken);

    public ValueTask<CacheResult> TouchAsync(ReadOnlyMemory<byte> key, long exptime, CancellationToken cancellationToken = default) =>
        inner.TouchAsync(key, exptime, cancellationToken);

    public ValueTask<CacheResult> FlushAsync(long delaySeconds, CancellationToken cancellationToken = default) =>
        inner.FlushAsync(delaySeconds, cancellationToken);

    public ValueTask<(CacheStatus Status, CacheStoreStats Stats)> GetStatsAsync(CancellationToken cancellationToken = default) =>
        inner.GetStatsAsync(cancellationToken);

    private sealed class CountingWriter(IBufferWriter<byte> inner, ValueCountingStore owner) : IBufferWriter<byte>
    {
        public void Advance(int count)
        {
            Interlocked.Add(ref owner._valueBytes, count);
            inner.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    }
}

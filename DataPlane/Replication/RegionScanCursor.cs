using System.Buffers;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// Streams a region's live items one chunk at a time. The engine scan has no cursor (it visits every
/// item in one call), so it runs on its own thread and pauses inside the visitor whenever a chunk is
/// full until the reader takes it: a region is never copied into memory whole, and a scan that is
/// consumed slowly holds one chunk. The engine visits items without holding its locks, so pausing
/// there does not block writers.
/// </summary>
public sealed class RegionScanCursor : IDisposable
{
    private readonly EnginePool _pool;
    private readonly Region _region;
    private readonly int _chunkBytes;
    private readonly ArrayBufferWriter<byte> _chunk;
    private readonly SemaphoreSlim _chunkReady = new(0);
    private readonly SemaphoreSlim _chunkTaken = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Exception? _failure;
    private bool _done;

    public RegionScanCursor(EnginePool pool, Region region, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        _pool = pool;
        _region = region;
        _chunkBytes = chunkBytes;
        _chunk = new ArrayBufferWriter<byte>(chunkBytes + 1024);
        var thread = new Thread(Run) { IsBackground = true, Name = "mnemo-region-scan" };
        thread.Start();
    }

    /// <summary>
    /// Appends the next chunk's items (<see cref="ScanItemFormat"/>) to <paramref name="destination"/>;
    /// returns true when it was the last chunk. Calls must not overlap.
    /// </summary>
    public async ValueTask<bool> ReadChunkAsync(IBufferWriter<byte> destination, CancellationToken cancellationToken = default)
    {
        await _chunkReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_failure is { } failure)
        {
            throw new InvalidOperationException($"scan of region '{_region.Name}' failed: {failure.Message}", failure);
        }
        // The producer is paused (or finished) until _chunkTaken is released, so the chunk is ours.
        destination.Write(_chunk.WrittenSpan);
        _chunk.ResetWrittenCount();
        if (_done)
        {
            return true;
        }
        _chunkTaken.Release();
        return false;
    }

    /// <summary>Stops the scan thread (it may still be inside the engine; it exits at the next item).</summary>
    public void Dispose() => _stop.Cancel();

    private void Run()
    {
        try
        {
            _pool.Scan(_region, EnginePool.LiveView, Visit);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e)
        {
            _failure = e;
        }
        _done = true;
        _chunkReady.Release();
    }

    private bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, in ItemInfo info)
    {
        ScanItemFormat.Write(_chunk, key, value, info.Flags, info.Exptime, info.Cas, (info.State & ItemState.Stale) != 0);
        if (_chunk.WrittenCount >= _chunkBytes)
        {
            _chunkReady.Release();
            _chunkTaken.Wait(_stop.Token);
        }
        return !_stop.IsCancellationRequested;
    }
}

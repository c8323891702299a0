using System.Buffers;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// The open scans of one owner (a local replica, or one data-plane connection), by scan id. Scan id 0
/// starts a scan; a chunk size of 0 abandons one. Disposing stops every open scan.
/// </summary>
public sealed class RegionScanSessions : IDisposable
{
    private readonly Dictionary<ulong, RegionScanCursor> _cursors = [];
    private ulong _lastId;
    private bool _disposed;

    /// <summary>
    /// Appends the next chunk of scan <paramref name="scanId"/> (or of a new scan of
    /// <paramref name="region"/> when it is 0) to <paramref name="destination"/>. Returns the scan id
    /// to continue with and whether this was the last chunk. Unknown ids throw <see cref="KeyNotFoundException"/>.
    /// </summary>
    public async ValueTask<(ulong ScanId, bool Done)> ReadChunkAsync(EnginePool pool, Region region, ulong scanId, int chunkBytes,
        IBufferWriter<byte> destination, CancellationToken cancellationToken = default)
    {
        if (chunkBytes <= 0)
        {
            Remove(scanId)?.Dispose();
            return (scanId, true);
        }
        RegionScanCursor cursor;
        lock (_cursors)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (scanId == 0)
            {
                scanId = ++_lastId;
                cursor = new RegionScanCursor(pool, region, chunkBytes);
                _cursors.Add(scanId, cursor);
            }
            else if (!_cursors.TryGetValue(scanId, out cursor!))
            {
                throw new KeyNotFoundException($"no open scan {scanId}");
            }
        }
        bool done;
        try
        {
            done = await cursor.ReadChunkAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Remove(scanId)?.Dispose();
            throw;
        }
        if (done)
        {
            Remove(scanId)?.Dispose();
        }
        return (scanId, done);
    }

    public void Dispose()
    {
        lock (_cursors)
        {
            _disposed = true;
            foreach (RegionScanCursor cursor in _cursors.Values)
            {
                cursor.Dispose();
            }
            _cursors.Clear();
        }
    }

    private RegionScanCursor? Remove(ulong scanId)
    {
        lock (_cursors)
        {
            return _cursors.Remove(scanId, out RegionScanCursor? cursor) ? cursor : null;
        }
    }
}

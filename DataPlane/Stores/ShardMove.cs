namespace Mnemo.DataPlane;

/// <summary>
/// Copies one shard of a Memshack's current topology into the next one while the Memshack serves:
/// a scan of a replica of the shard (in chunks, so it never holds the region), each item written
/// into the next topology's shard for its key as an ordered write of its version (value, flags,
/// exptime, CAS and stale mark kept). A version the next topology already holds — mirrored there by
/// a write during the move — is never replaced by an older one, so the copy may run, fail and run
/// again in any order with the writes. An item routed to another shard goes to every replica of that
/// shard; an item that keeps its shard goes only to the replicas the next topology adds to it (the
/// others are the same regions and hold it already), and is skipped when there are none.
/// </summary>
public sealed class ShardMove
{
    private const int Window = 64;

    private readonly IReplica _source;
    private readonly int _shard;
    private readonly ShardedCacheStore _next;
    private readonly IReplica[] _added;
    private readonly int _chunkBytes;
    private long _scanned;
    private long _moved;
    private long _copied;

    /// <param name="source">A replica of shard <paramref name="shard"/> of the current topology, in sync.</param>
    /// <param name="added">The replicas of shard <paramref name="shard"/> in the next topology on nodes that do not hold it now
    /// (empty when it stays on the same nodes, or is gone: then only keys routed to another shard are copied). Every one must
    /// take the copy, whatever the write quorum: a replica that missed part of it would answer misses once the move completes.</param>
    public ShardMove(IReplica source, int shard, ShardedCacheStore next, IReadOnlyList<IReplica> added, int chunkBytes = 256 * 1024)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(added);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        _source = source;
        _shard = shard;
        _next = next;
        _added = [.. added];
        _chunkBytes = chunkBytes;
    }

    /// <summary>Items of the shard seen so far.</summary>
    public long Scanned => Interlocked.Read(ref _scanned);

    /// <summary>Items routed to another shard in the next topology, copied there.</summary>
    public long Moved => Interlocked.Read(ref _moved);

    /// <summary>Items written into the next topology (moved ones and copies onto new replica nodes).</summary>
    public long Copied => Interlocked.Read(ref _copied);

    /// <summary>Copies the shard; throws <see cref="ShardMoveException"/> when either side did not answer.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        ulong scanId = 0;
        try
        {
            while (true)
            {
                using ReplicaScanChunk chunk = await _source.ScanChunkAsync(scanId, _chunkBytes, cancellationToken).ConfigureAwait(false);
                if (chunk.Status != CacheStatus.Ok)
                {
                    throw new ShardMoveException($"replica {_source.Name} could not be scanned ({chunk.Status})");
                }
                scanId = chunk.ScanId;
                await CopyChunkAsync(chunk.Items, cancellationToken).ConfigureAwait(false);
                if (chunk.Done)
                {
                    scanId = 0;
                    return;
                }
            }
        }
        finally
        {
            if (scanId != 0)
            {
                using ReplicaScanChunk abandoned = await _source.ScanChunkAsync(scanId, 0, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// After a move, deletes from <paramref name="replica"/> (a replica of shard <paramref name="shard"/> in both
    /// topologies) the keys the current topology routes to another shard: they live there now. Each delete
    /// compares the scanned CAS. Returns the number deleted.
    /// </summary>
    public static async Task<long> RemoveMovedKeysAsync(IReplica replica, int shard, Ch3Router router, int chunkBytes = 256 * 1024,
        CancellationToken cancellationToken = default)
    {
        var moved = new List<(byte[] Key, ulong Cas)>();
        ulong scanId = 0;
        while (true)
        {
            using ReplicaScanChunk chunk = await replica.ScanChunkAsync(scanId, chunkBytes, cancellationToken).ConfigureAwait(false);
            if (chunk.Status != CacheStatus.Ok)
            {
                throw new ShardMoveException($"replica {replica.Name} could not be scanned ({chunk.Status})");
            }
            scanId = chunk.ScanId;
            int offset = 0;
            while (ScanItemFormat.TryRead(chunk.Items, ref offset, out ScannedItem item))
            {
                if (router.ShardOf(item.Key.Span) != shard)
                {
                    moved.Add((item.Key.ToArray(), item.Cas));
                }
            }
            if (chunk.Done)
            {
                break;
            }
        }
        foreach ((byte[] key, ulong cas) in moved)
        {
            await replica.DeleteAsync(key, new CacheWriteOptions(CasIn: cas), cancellationToken).ConfigureAwait(false);
        }
        return moved.Count;
    }

    private async Task CopyChunkAsync(ReadOnlyMemory<byte> items, CancellationToken cancellationToken)
    {
        var window = new List<Task<CacheStatus>>(Window);
        int offset = 0;
        bool more = true;
        while (more)
        {
            window.Clear();
            while (window.Count < Window && (more = ScanItemFormat.TryRead(items, ref offset, out ScannedItem item)))
            {
                Interlocked.Increment(ref _scanned);
                bool moves = _next.ShardOf(item.Key.Span) != _shard;
                if (moves)
                {
                    Interlocked.Increment(ref _moved);
                    window.Add(CopyAsync(item, cancellationToken));
                }
                else if (_added.Length > 0)
                {
                    window.Add(CopyToAddedAsync(item, cancellationToken));
                }
            }
            foreach (Task<CacheStatus> copy in window)
            {
                CacheStatus status = await copy.ConfigureAwait(false);
                if (status == CacheStatus.Unavailable)
                {
                    throw new ShardMoveException($"the next topology did not take a key of shard {_shard}");
                }
                Interlocked.Increment(ref _copied);
            }
        }
    }

    private async Task<CacheStatus> CopyAsync(ScannedItem item, CancellationToken cancellationToken)
    {
        CacheResult stored = await _next.StoreAsync(CacheStoreMode.Set, item.Key, item.Value, item.Flags, item.Exptime, CopyOf(item), cancellationToken)
            .ConfigureAwait(false);
        return stored.Status;
    }

    /// <summary>Writes a kept item to every added replica at once; <see cref="CacheStatus.Unavailable"/> when one did not answer.</summary>
    private async Task<CacheStatus> CopyToAddedAsync(ScannedItem item, CancellationToken cancellationToken)
    {
        CacheWriteOptions copy = CopyOf(item);
        var writes = new Task<CacheResult>[_added.Length];
        for (int i = 0; i < writes.Length; i++)
        {
            writes[i] = _added[i].StoreAsync(CacheStoreMode.Set, item.Key, item.Value, item.Flags, item.Exptime, copy, cancellationToken).AsTask();
        }
        CacheStatus status = CacheStatus.Ok;
        foreach (Task<CacheResult> write in writes)
        {
            CacheStatus reply = (await write.ConfigureAwait(false)).Status;
            status = reply == CacheStatus.Unavailable ? reply : status;
        }
        return status;
    }

    /// <summary>An item's version as an ordered write: a newer version the target holds (a mirrored write) stays.</summary>
    private static CacheWriteOptions CopyOf(ScannedItem item) => new(CasNew: item.Cas, Stale: item.Stale, Ordered: true);
}

/// <summary>A shard move could not complete: a replica did not answer. Running it again is safe.</summary>
public sealed class ShardMoveException(string message) : Exception(message);

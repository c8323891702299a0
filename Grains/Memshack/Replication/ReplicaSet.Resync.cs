using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Grains.Memshack.Replication;

// Resync: a new or restarted replica copies the shard from an in-sync peer before serving reads.
//  1. It is marked Resyncing, so from then on every write reaches it — as a copy of the written key
//     from an in-sync replica, made under the key's stripe once the others applied the write — and
//     every key deleted is remembered (a tombstone).
//  2. A barrier waits for writes that began before step 1 (they did not copy to it).
//  3. The peer's items are streamed in chunks and stored with ADD semantics, each under its key's
//     stripe: a key written since step 1 already exists and is not overwritten with the older scanned
//     value, and a tombstoned key is skipped, so a delete made during the copy is not undone.
//  4. The replica is marked InSync. Any failure (either side unreachable, a flush during the copy)
//     leaves it NeedsResync for the next maintenance pass.
public sealed partial class ReplicaSet
{
    private const int ResyncWindow = 64;

    /// <summary>
    /// Resyncs replica <paramref name="index"/> from an in-sync peer unless it already is in sync (a
    /// background pass may have done it); true when it is in sync afterwards.
    /// </summary>
    public async Task<bool> ResyncAsync(int index, CancellationToken cancellationToken = default)
    {
        await _maintenance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _slots[index].State == ReplicaState.InSync || await ResyncCoreAsync(index, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _maintenance.Release();
        }
    }

    private async Task<bool> ResyncCoreAsync(int index, CancellationToken cancellationToken)
    {
        ReplicaSlot slot = _slots[index];
        (CacheStatus probe, _) = await slot.Replica.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        if (probe == CacheStatus.Unavailable)
        {
            MarkNeedsResync(index);
            return false;
        }
        int source = FirstInSync(except: index);
        if (source < 0)
        {
            _logger.LogWarning("Replica {Replica} cannot resync: no replica is in sync", slot.Replica.Name);
            MarkNeedsResync(index);
            return false;
        }
        lock (slot.Gate)
        {
            slot.State = ReplicaState.Resyncing;
            slot.Hints.Clear();
            slot.Tombstones = new HashSet<byte[]>(ByteKeyComparer.Instance);
        }
        _logger.LogInformation("Replica {Replica} resyncing from {Source}", slot.Replica.Name, _slots[source].Replica.Name);

        IReplica from = _slots[source].Replica;
        ulong scanId = 0;
        long copied = 0;
        bool ok = false;
        try
        {
            await _locks.BarrierAsync(cancellationToken).ConfigureAwait(false);
            while (slot.State == ReplicaState.Resyncing)
            {
                using ReplicaScanChunk chunk = await from.ScanChunkAsync(scanId, _options.ResyncChunkBytes, cancellationToken).ConfigureAwait(false);
                if (chunk.Status != CacheStatus.Ok)
                {
                    break;
                }
                scanId = chunk.ScanId;
                long added = await CopyChunkAsync(slot, chunk.Items, cancellationToken).ConfigureAwait(false);
                if (added < 0)
                {
                    break;
                }
                copied += added;
                if (chunk.Done)
                {
                    scanId = 0;
                    ok = true;
                    break;
                }
            }
        }
        finally
        {
            if (scanId != 0)
            {
                using ReplicaScanChunk abandoned = await from.ScanChunkAsync(scanId, 0, CancellationToken.None).ConfigureAwait(false);
            }
            lock (slot.Gate)
            {
                slot.Tombstones = null;
                slot.State = ok && slot.State == ReplicaState.Resyncing ? ReplicaState.InSync : ReplicaState.NeedsResync;
                ok = slot.State == ReplicaState.InSync;
            }
        }
        if (ok)
        {
            _logger.LogInformation("Replica {Replica} resynced {Items} items and is in sync", slot.Replica.Name, copied);
        }
        else
        {
            _logger.LogWarning("Replica {Replica} resync did not complete; it still needs a resync", slot.Replica.Name);
        }
        return ok;
    }

    /// <summary>Adds a chunk's items to the resyncing replica, a window at a time; the number added, or -1 on failure.</summary>
    private async Task<long> CopyChunkAsync(ReplicaSlot slot, ReadOnlyMemory<byte> items, CancellationToken cancellationToken)
    {
        var window = new List<Task<CacheStatus>>(ResyncWindow);
        long added = 0;
        int offset = 0;
        bool more = true;
        while (more)
        {
            window.Clear();
            while (window.Count < ResyncWindow && (more = ScanItemFormat.TryRead(items, ref offset, out ScannedItem item)))
            {
                window.Add(AddScannedItemAsync(slot, item, cancellationToken));
            }
            foreach (Task<CacheStatus> copy in window)
            {
                CacheStatus status = await copy.ConfigureAwait(false);
                if (status == CacheStatus.Unavailable)
                {
                    return -1;
                }
                added += status == CacheStatus.Ok ? 1 : 0;
            }
        }
        return added;
    }

    private async Task<CacheStatus> AddScannedItemAsync(ReplicaSlot slot, ScannedItem item, CancellationToken cancellationToken)
    {
        int stripe = await _locks.EnterAsync(item.Key, cancellationToken).ConfigureAwait(false);
        try
        {
            HashSet<byte[]>? tombstones = slot.Tombstones;
            if (tombstones is null)
            {
                return CacheStatus.Unavailable;
            }
            lock (tombstones)
            {
                if (tombstones.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(item.Key.Span))
                {
                    return CacheStatus.NotStored;
                }
            }
            CacheResult reply = await slot.Replica.StoreAsync(CacheStoreMode.Add, item.Key, item.Value, item.Flags, item.Exptime, 0, cancellationToken)
                .ConfigureAwait(false);
            return reply.Status;
        }
        finally
        {
            _locks.Exit(stripe);
        }
    }

    private static void AddTombstone(ReplicaSlot slot, ReadOnlySpan<byte> key)
    {
        if (slot.Tombstones is { } tombstones)
        {
            lock (tombstones)
            {
                tombstones.GetAlternateLookup<ReadOnlySpan<byte>>().Add(key);
            }
        }
    }

    private void FailResync(int index, string reason)
    {
        ReplicaSlot slot = _slots[index];
        lock (slot.Gate)
        {
            if (slot.State == ReplicaState.Resyncing)
            {
                slot.State = ReplicaState.NeedsResync;
                _logger.LogWarning("Replica {Replica} resync abandoned: {Reason}", slot.Replica.Name, reason);
            }
        }
    }
}

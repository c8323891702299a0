using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

// Resync by version: a new or restarted replica is made equal to an in-sync peer before serving
// reads, keeping whatever it already holds that is current. Every version of an item carries the CAS
// the replica set chose for it (CasClock: later writes get larger values), so "older" is decidable.
//  1. It is marked Resyncing, so from then on every write reaches it — as a copy of the written key
//     from an in-sync replica, made under the key's stripe once the others applied the write — and
//     every key deleted is remembered (a tombstone).
//  2. A barrier waits for writes that began before step 1 (they did not copy to it).
//  3. The replica's own keys and CAS are listed (a scan of it; memory grows with its key count).
//  4. The peer's items are streamed in chunks and copied with their CAS and stale mark, each under its
//     key's stripe: a key the replica lacks is written as an ordered write of its version (a delete
//     that reached the replica since the peer was read, through another silo's replica set, left a
//     newer tombstone there, which refuses it); a key it holds with an older CAS is replaced,
//     compared against that CAS, so a newer copy made since step 1 is never overwritten; a key it
//     holds with the same or a newer CAS is kept; a tombstoned key is skipped, so a delete made during
//     the copy is not undone.
//  5. The peer's tombstones (its deletes of the last 60 s, with their versions and expiry: the versions
//     op) are applied as ordered deletes, so the replica refuses an older write of a deleted key arriving
//     later (a shard copy retried, a repair on its way) as the peer does, until the peer's tombstone
//     expires (not 60 s after the copy: copies of copies would keep a delete alive for ever); a newer
//     version it holds stays.
//  6. Keys the replica listed that the peer no longer has are deleted, again compared against the
//     listed CAS, so a key written again since step 1 survives.
//  7. The replica is marked InSync. Any failure (either side unreachable, a flush during the copy)
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
            Dictionary<byte[], ulong>? held = await ListVersionsAsync(slot.Replica, cancellationToken).ConfigureAwait(false);
            while (held is not null && slot.State == ReplicaState.Resyncing)
            {
                using ReplicaScanChunk chunk = await from.ScanChunkAsync(scanId, _options.ResyncChunkBytes, cancellationToken).ConfigureAwait(false);
                if (chunk.Status != CacheStatus.Ok)
                {
                    break;
                }
                scanId = chunk.ScanId;
                long written = await CopyChunkAsync(slot, held, chunk.Items, cancellationToken).ConfigureAwait(false);
                if (written < 0)
                {
                    break;
                }
                copied += written;
                if (chunk.Done)
                {
                    scanId = 0;
                    ok = await CopyTombstonesAsync(slot, from, cancellationToken).ConfigureAwait(false)
                        && await DeleteMissingAsync(slot, held, cancellationToken).ConfigureAwait(false);
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
            Interlocked.Increment(ref ok ? ref _resyncsCompleted : ref _resyncsFailed);
        }
        if (ok)
        {
            _logger.LogInformation("Replica {Replica} resynced ({Items} items copied) and is in sync", slot.Replica.Name, copied);
        }
        else
        {
            _logger.LogWarning("Replica {Replica} resync did not complete; it still needs a resync", slot.Replica.Name);
        }
        return ok;
    }

    /// <summary>Every key the replica holds with its CAS (its live items, scanned); null when it could not be scanned.</summary>
    private async Task<Dictionary<byte[], ulong>?> ListVersionsAsync(IReplica replica, CancellationToken cancellationToken)
    {
        var held = new Dictionary<byte[], ulong>(ByteKeyComparer.Instance);
        ulong scanId = 0;
        try
        {
            while (true)
            {
                using ReplicaScanChunk chunk = await replica.ScanChunkAsync(scanId, _options.ResyncChunkBytes, cancellationToken).ConfigureAwait(false);
                if (chunk.Status != CacheStatus.Ok)
                {
                    return null;
                }
                scanId = chunk.ScanId;
                int offset = 0;
                while (ScanItemFormat.TryRead(chunk.Items, ref offset, out ScannedItem item))
                {
                    held[item.Key.ToArray()] = item.Cas;
                }
                if (chunk.Done)
                {
                    scanId = 0;
                    return held;
                }
            }
        }
        finally
        {
            if (scanId != 0)
            {
                using ReplicaScanChunk abandoned = await replica.ScanChunkAsync(scanId, 0, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Copies a chunk's items to the resyncing replica, a window at a time; the number written, or -1 on failure.</summary>
    private async Task<long> CopyChunkAsync(ReplicaSlot slot, Dictionary<byte[], ulong> held, ReadOnlyMemory<byte> items, CancellationToken cancellationToken)
    {
        var window = new List<Task<CacheStatus>>(ResyncWindow);
        long copied = 0;
        int offset = 0;
        bool more = true;
        while (more)
        {
            window.Clear();
            while (window.Count < ResyncWindow && (more = ScanItemFormat.TryRead(items, ref offset, out ScannedItem item)))
            {
                window.Add(CopyScannedItemAsync(slot, held, item, cancellationToken));
            }
            foreach (Task<CacheStatus> copy in window)
            {
                CacheStatus status = await copy.ConfigureAwait(false);
                if (status == CacheStatus.Unavailable)
                {
                    return -1;
                }
                copied += status == CacheStatus.Ok ? 1 : 0;
            }
        }
        return copied;
    }

    /// <summary>
    /// Brings one scanned item to the replica unless it holds the same or a newer version; the key
    /// leaves <paramref name="held"/> (the peer has it, so it is not deleted afterwards).
    /// </summary>
    private async Task<CacheStatus> CopyScannedItemAsync(ReplicaSlot slot, Dictionary<byte[], ulong> held, ScannedItem item,
        CancellationToken cancellationToken)
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
            ulong heldCas;
            bool holds;
            lock (held)
            {
                holds = held.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(item.Key.Span, out _, out heldCas);
            }
            if (holds && heldCas >= item.Cas)
            {
                return CacheStatus.NotStored;
            }
            // Compared against what was listed: a copy made since (a newer version) answers EXISTS/NOT_STORED and stays. A key
            // the replica did not hold is written as an ordered write of its version, so the tombstone of a delete that reached
            // the replica since (through another silo's replica set, which this resync does not see) refuses it.
            var copy = new CacheWriteOptions(CasIn: holds ? heldCas : 0, CasNew: item.Cas, Stale: item.Stale, Ordered: !holds);
            CacheResult reply = await slot.Replica.StoreAsync(holds ? CacheStoreMode.Cas : CacheStoreMode.Set, item.Key, item.Value, item.Flags, item.Exptime,
                copy, cancellationToken).ConfigureAwait(false);
            return reply.Status;
        }
        finally
        {
            _locks.Exit(stripe);
        }
    }

    /// <summary>
    /// Applies the source's tombstones to the resyncing replica as ordered deletes of their versions, so an
    /// older write of a deleted key that arrives later (a shard copy retried, another silo's repair) is refused
    /// there as on the source. The versions are listed a range of buckets at a time, halving a range whose
    /// listing was cut at the payload limit. False when either replica did not answer.
    /// </summary>
    private async Task<bool> CopyTombstonesAsync(ReplicaSlot slot, IReplica from, CancellationToken cancellationToken)
    {
        const int buckets = ReplicaVersions.MaxBuckets;
        var ranges = new Stack<(int First, int Count)>();
        ranges.Push((0, buckets));
        long applied = 0;
        while (ranges.TryPop(out (int First, int Count) range))
        {
            byte[] bitmap = new byte[ReplicaVersions.BitmapLength(buckets)];
            for (int b = range.First; b < range.First + range.Count; b++)
            {
                ReplicaVersions.MarkListed(bitmap, b);
            }
            ReplicaVersions listing = await from.ReadVersionsAsync(buckets, bitmap, cancellationToken).ConfigureAwait(false);
            if (listing.Status != CacheStatus.Ok)
            {
                return false;
            }
            if (listing.Truncated && range.Count > 1)
            {
                ranges.Push((range.First, range.Count / 2));
                ranges.Push((range.First + range.Count / 2, range.Count - range.Count / 2));
                continue;
            }
            if (listing.Truncated)
            {
                _logger.LogWarning("Replica {Replica} resync: one bucket of {Source} lists more versions than a listing carries; only some of its tombstones were copied",
                    slot.Replica.Name, from.Name);
            }
            foreach (KeyVersion version in listing.Listed)
            {
                if (!version.Tombstone)
                {
                    continue;
                }
                int stripe = await _locks.EnterAsync(version.Key, cancellationToken).ConfigureAwait(false);
                try
                {
                    // A newer version the replica holds (written since the source was listed) answers EXISTS and stays.
                    CacheResult reply = await slot.Replica.DeleteAsync(version.Key, TombstoneOf(version), cancellationToken).ConfigureAwait(false);
                    if (reply.Status == CacheStatus.Unavailable)
                    {
                        return false;
                    }
                    applied += reply.Status is CacheStatus.Ok or CacheStatus.NotFound ? 1 : 0;
                }
                finally
                {
                    _locks.Exit(stripe);
                }
            }
        }
        _logger.LogDebug("Replica {Replica} resync: {Tombstones} tombstones of {Source} applied", slot.Replica.Name, applied, from.Name);
        return true;
    }

    /// <summary>A listed tombstone as an ordered delete that leaves the same tombstone: its version, expiring when it does.</summary>
    private static CacheWriteOptions TombstoneOf(in KeyVersion tombstone) => new(CasNew: tombstone.Cas, Exptime: tombstone.Exptime, Ordered: true);

    /// <summary>Deletes the listed keys the peer did not have, each only if still at its listed CAS; false when the replica did not answer.</summary>
    private async Task<bool> DeleteMissingAsync(ReplicaSlot slot, Dictionary<byte[], ulong> missing, CancellationToken cancellationToken)
    {
        foreach ((byte[] key, ulong cas) in missing)
        {
            int stripe = await _locks.EnterAsync(key, cancellationToken).ConfigureAwait(false);
            try
            {
                CacheResult reply = await slot.Replica.DeleteAsync(key, new CacheWriteOptions(CasIn: cas), cancellationToken).ConfigureAwait(false);
                if (reply.Status == CacheStatus.Unavailable)
                {
                    return false;
                }
            }
            finally
            {
                _locks.Exit(stripe);
            }
        }
        return true;
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

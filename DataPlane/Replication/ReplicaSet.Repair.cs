using System.Buffers;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

// Hint repair: a replica that missed writes while unreachable gets each missed key copied from an
// in-sync replica (or deleted, when the key is gone there) once it answers again. A missed delete is
// repaired as the delete itself was applied: an ordered delete of its version, so the replica keeps
// its tombstone and refuses an older write of the key arriving later, as the others do.
public sealed partial class ReplicaSet
{
    private readonly SemaphoreSlim _maintenance = new(1, 1);
    private int _repairScheduled;

    /// <summary>
    /// One maintenance pass: every unreachable replica that answers again gets its hinted keys repaired
    /// and returns to <see cref="ReplicaState.InSync"/>; every replica that needs a resync and answers is
    /// resynced. Runs by itself after an unreachable replica answers; callers (a periodic timer, a
    /// membership change) may also run it.
    /// </summary>
    public async Task RepairAsync(CancellationToken cancellationToken = default)
    {
        await _maintenance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                ReplicaState state = _slots[i].State;
                if (state is ReplicaState.InSync or ReplicaState.Resyncing)
                {
                    continue;
                }
                (CacheStatus probe, _) = await _slots[i].Replica.GetStatsAsync(cancellationToken).ConfigureAwait(false);
                if (probe == CacheStatus.Unavailable)
                {
                    continue;
                }
                if (state == ReplicaState.Unreachable)
                {
                    await RepairHintsAsync(i, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ResyncCoreAsync(i, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _maintenance.Release();
        }
    }

    private void ScheduleRepair()
    {
        if (Interlocked.CompareExchange(ref _repairScheduled, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await RepairAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Replica repair failed");
            }
            finally
            {
                Volatile.Write(ref _repairScheduled, 0);
            }
        });
    }

    private async Task RepairHintsAsync(int index, CancellationToken cancellationToken)
    {
        ReplicaSlot slot = _slots[index];
        int source = FirstInSync(except: index);
        HintedKey[] keys = slot.Hints.Drain();
        if (keys.Length > 0 && source < 0)
        {
            // Nothing in sync to copy from; keep the hints for a later pass.
            ReturnHints(index, keys, 0);
            return;
        }
        for (int k = 0; k < keys.Length; k++)
        {
            (byte[] key, ulong deleteVersion) = keys[k];
            int stripe = await _locks.EnterAsync(key, cancellationToken).ConfigureAwait(false);
            bool copied;
            try
            {
                copied = await CopyKeyAsync(source, index, key, deleteWhenAbsent: true, cancellationToken, deleteVersion).ConfigureAwait(false)
                    != CacheStatus.Unavailable;
            }
            finally
            {
                _locks.Exit(stripe);
            }
            if (!copied)
            {
                ReturnHints(index, keys, k);
                return;
            }
        }
        lock (slot.Gate)
        {
            if (slot.State == ReplicaState.Unreachable && slot.Hints.Count == 0)
            {
                slot.State = ReplicaState.InSync;
                Interlocked.Increment(ref _hintRepairs);
                _logger.LogInformation("Replica {Replica} repaired {Keys} missed keys and is in sync", slot.Replica.Name, keys.Length);
            }
        }
    }

    private void ReturnHints(int index, HintedKey[] keys, int from)
    {
        for (int k = from; k < keys.Length; k++)
        {
            RecordHint(index, keys[k].Key, keys[k].DeleteVersion);
        }
    }

    /// <summary>
    /// Makes <paramref name="target"/>'s copy of <paramref name="key"/> equal to <paramref name="source"/>'s:
    /// the item with its flags, exptime, CAS and stale mark, as an ordered write (a newer version the target holds
    /// stays), or its absence when <paramref name="deleteWhenAbsent"/>: as an ordered delete of
    /// <paramref name="deleteVersion"/> when the version of the delete that made it absent is known (the target
    /// keeps its tombstone, which refuses older writes arriving later), else as a plain delete. The caller holds the key's stripe. Answers
    /// the target's reply (<see cref="CacheStatus.Ok"/> when it changed, <see cref="CacheStatus.Exists"/> when it
    /// holds a newer version), <see cref="CacheStatus.NotFound"/> when the source has no item and nothing was
    /// sent, or <see cref="CacheStatus.Unavailable"/> when either replica did not answer.
    /// </summary>
    private async ValueTask<CacheStatus> CopyKeyAsync(int source, int target, ReadOnlyMemory<byte> key, bool deleteWhenAbsent,
        CancellationToken cancellationToken, ulong deleteVersion = 0)
    {
        if (source < 0)
        {
            return CacheStatus.Unavailable;
        }
        ReplicaSlot to = _slots[target];
        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _slots[source].Replica.GetAsync(key, value, default, cancellationToken).ConfigureAwait(false);
        CacheResult written;
        switch (read.Status)
        {
            case CacheStatus.Ok:
                var copy = new CacheWriteOptions(CasNew: read.Info.Cas, Stale: (read.Info.State & CacheItemState.Stale) != 0, Ordered: true);
                written = await to.Replica.StoreAsync(CacheStoreMode.Set, key, value.WrittenMemory, read.Info.Flags, read.Info.Exptime, copy, cancellationToken)
                    .ConfigureAwait(false);
                break;
            case CacheStatus.NotFound when !deleteWhenAbsent:
                // The delete that removed it reached every replica by itself, with its version.
                return CacheStatus.NotFound;
            case CacheStatus.NotFound:
                AddTombstone(to, key.Span);
                CacheWriteOptions delete = deleteVersion != 0 ? new CacheWriteOptions(CasNew: deleteVersion, Ordered: true) : default;
                written = await to.Replica.DeleteAsync(key, delete, cancellationToken).ConfigureAwait(false);
                break;
            default:
                return CacheStatus.Unavailable;
        }
        return written.Status;
    }
}

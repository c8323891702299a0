using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

// Anti-entropy: finds and repairs keys whose replicas differ although every write reached them as
// far as the set knows (a crash between replica writes, a replica restored from an old pool, a
// bug), as Dynamo-style stores do.
//  1. Every replica computes, where it lives, a digest per bucket of its keys (ReplicaVersions):
//     8 bytes per bucket cross the network, not the keys.
//  2. For the buckets whose digests differ, every replica lists the versions it holds there: items
//     with their CAS, and the tombstones of recent deletes.
//  3. A key whose replicas list different versions is read again on every replica, so a write that
//     was still on its way during the listing is not taken for divergence.
//  4. Repair (when asked): the newest version wins, as every write does. When it is an item, it is
//     copied from the replica holding it to the others as an ordered write; when it is a tombstone,
//     the replicas still holding an older item get an ordered delete of the tombstone's version.
//     Ordered writes never replace a newer version, so a write racing the repair keeps its value.
// A deleted key is only recognised while its tombstone lives (60 s): an older item on a replica that
// missed the delete and is found later than that is copied back, as in any store whose tombstones
// expire. The background pass runs more often than that.
public sealed partial class ReplicaSet
{
    private long _repairedKeys;

    /// <summary>Keys this set's anti-entropy passes have repaired since it started.</summary>
    public long RepairedKeys => Interlocked.Read(ref _repairedKeys);

    /// <summary>The replica that decides item-dependent writes: the first in sync in replica order, or -1 when none is.</summary>
    public int OrderingReplica
    {
        get
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i].State == ReplicaState.InSync)
                {
                    return i;
                }
            }
            return -1;
        }
    }

    /// <summary>
    /// Compares the replicas (see the comment at the top of this file) and, with
    /// <paramref name="repair"/>, repairs the keys that differ. A repair pass runs only while every
    /// replica is in sync (hints and resyncs repair the others) and not alongside them; a comparison
    /// alone runs whatever the states and reports the replicas that did not answer.
    /// </summary>
    /// <param name="maxReportedKeys">Differing keys reported by name; all are counted.</param>
    public async Task<ReplicaComparison> CompareAsync(bool repair, int maxReportedKeys, CancellationToken cancellationToken = default)
    {
        if (!repair)
        {
            return await CompareCoreAsync(repair, maxReportedKeys, cancellationToken).ConfigureAwait(false);
        }
        await _maintenance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_slots.Any(s => s.State != ReplicaState.InSync))
            {
                return ReplicaComparison.Skipped;
            }
            return await CompareCoreAsync(repair, maxReportedKeys, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _maintenance.Release();
        }
    }

    private async Task<ReplicaComparison> CompareCoreAsync(bool repair, int maxReportedKeys, CancellationToken cancellationToken)
    {
        int buckets = _options.AntiEntropyBuckets;
        var unreachable = new List<string>();
        ReplicaVersions?[] digests = await ReadAllVersionsAsync(buckets, ReadOnlyMemory<byte>.Empty, unreachable, cancellationToken).ConfigureAwait(false);
        int first = Array.FindIndex(digests, d => d is not null);
        byte[] differing = new byte[ReplicaVersions.BitmapLength(buckets)];
        bool anyDiffering = false;
        for (int b = 0; first >= 0 && b < buckets; b++)
        {
            for (int i = first + 1; i < digests.Length; i++)
            {
                if (digests[i] is { } other && other.Digests[b] != digests[first]!.Digests[b])
                {
                    ReplicaVersions.MarkListed(differing, b);
                    anyDiffering = true;
                    break;
                }
            }
        }
        if (!anyDiffering)
        {
            return new ReplicaComparison(unreachable, 0, [], 0, false);
        }

        ReplicaVersions?[] listings = await ReadAllVersionsAsync(buckets, differing, unreachable, cancellationToken).ConfigureAwait(false);
        var byKey = new Dictionary<byte[], KeyVersion?[]>(ByteKeyComparer.Instance);
        bool truncated = false;
        for (int i = 0; i < listings.Length; i++)
        {
            if (listings[i] is not { } listing)
            {
                continue;
            }
            truncated |= listing.Truncated;
            foreach (KeyVersion version in listing.Listed)
            {
                if (!byKey.TryGetValue(version.Key, out KeyVersion?[]? versions))
                {
                    byKey[version.Key] = versions = new KeyVersion?[_slots.Length];
                }
                versions[i] = version;
            }
        }

        var reported = new List<DifferingKey>();
        long differ = 0, repaired = 0;
        var scratch = new ArrayBufferWriter<byte>();
        foreach ((byte[] key, KeyVersion?[] listed) in byKey)
        {
            if (!ListedDifferently(listed, listings))
            {
                continue;
            }
            int stripe = repair ? await _locks.EnterAsync(key, cancellationToken).ConfigureAwait(false) : -1;
            try
            {
                ulong?[]? current = await ReadLiveVersionsAsync(key, listings, scratch, cancellationToken).ConfigureAwait(false);
                if (current is null || current.Where((_, i) => listings[i] is not null).Distinct().Count() == 1)
                {
                    // A replica stopped answering, or the key converged since it was listed (a write was on its way).
                    continue;
                }
                differ++;
                if (reported.Count < maxReportedKeys)
                {
                    reported.Add(new DifferingKey(Encoding.UTF8.GetString(key), current));
                }
                if (repair && await RepairKeyAsync(key, listed, current, listings, cancellationToken).ConfigureAwait(false))
                {
                    repaired++;
                }
            }
            finally
            {
                if (stripe >= 0)
                {
                    _locks.Exit(stripe);
                }
            }
        }
        if (repaired > 0)
        {
            Interlocked.Add(ref _repairedKeys, repaired);
            _logger.LogWarning("Anti-entropy repaired {Keys} keys whose replicas differed ({Replicas})", repaired,
                string.Join(", ", _slots.Select(s => s.Replica.Name)));
        }
        return new ReplicaComparison(unreachable, differ, reported, repaired, truncated);
    }

    /// <summary>Asks every replica at once; a replica that does not answer is null and named in <paramref name="unreachable"/>.</summary>
    private async Task<ReplicaVersions?[]> ReadAllVersionsAsync(int buckets, ReadOnlyMemory<byte> listBuckets, List<string> unreachable,
        CancellationToken cancellationToken)
    {
        Task<ReplicaVersions>[] reads = _slots.Select(s => s.Replica.ReadVersionsAsync(buckets, listBuckets, cancellationToken).AsTask()).ToArray();
        var answers = new ReplicaVersions?[reads.Length];
        for (int i = 0; i < reads.Length; i++)
        {
            ReplicaVersions answer = await reads[i].ConfigureAwait(false);
            if (answer.Status == CacheStatus.Ok)
            {
                answers[i] = answer;
            }
            else if (!unreachable.Contains(_slots[i].Replica.Name))
            {
                unreachable.Add(_slots[i].Replica.Name);
            }
        }
        return answers;
    }

    /// <summary>Whether the answering replicas list different live items for a key (a tombstone is no item).</summary>
    private static bool ListedDifferently(KeyVersion?[] listed, ReplicaVersions?[] listings)
    {
        ulong? seen = null;
        bool first = true;
        for (int i = 0; i < listed.Length; i++)
        {
            if (listings[i] is null)
            {
                continue;
            }
            ulong? live = listed[i] is { Tombstone: false } item ? item.Cas : null;
            if (!first && live != seen)
            {
                return true;
            }
            seen = live;
            first = false;
        }
        return false;
    }

    /// <summary>Each answering replica's live item CAS for the key now (null: none); null when one stopped answering.</summary>
    private async Task<ulong?[]?> ReadLiveVersionsAsync(byte[] key, ReplicaVersions?[] listings, ArrayBufferWriter<byte> scratch,
        CancellationToken cancellationToken)
    {
        var current = new ulong?[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            if (listings[i] is null)
            {
                continue;
            }
            scratch.ResetWrittenCount();
            CacheResult read = await _slots[i].Replica.GetAsync(key, scratch, default, cancellationToken).ConfigureAwait(false);
            switch (read.Status)
            {
                case CacheStatus.Ok:
                    current[i] = read.Info.Cas;
                    break;
                case CacheStatus.NotFound:
                    break;
                default:
                    return null;
            }
        }
        return current;
    }

    /// <summary>
    /// Brings every replica to the newest version of the key: the newest item now held, or a listed
    /// tombstone newer than it. True when a replica changed.
    /// </summary>
    private async Task<bool> RepairKeyAsync(byte[] key, KeyVersion?[] listed, ulong?[] current, ReplicaVersions?[] listings,
        CancellationToken cancellationToken)
    {
        int newestItem = -1;
        KeyVersion newestTombstone = default;
        for (int i = 0; i < current.Length; i++)
        {
            if (current[i] is { } cas && (newestItem < 0 || cas > current[newestItem]!.Value))
            {
                newestItem = i;
            }
            if (listed[i] is { Tombstone: true } tombstone && tombstone.Cas > newestTombstone.Cas)
            {
                newestTombstone = tombstone;
            }
        }
        bool changed = false;
        if (newestItem < 0 || newestTombstone.Cas > current[newestItem]!.Value)
        {
            // Deleted last: the replicas still holding an older item get the delete, with its version and expiry.
            CacheWriteOptions delete = TombstoneOf(newestTombstone);
            for (int i = 0; i < current.Length; i++)
            {
                if (current[i] is not null)
                {
                    CacheResult reply = await _slots[i].Replica.DeleteAsync(key, delete, cancellationToken).ConfigureAwait(false);
                    changed |= reply.Status == CacheStatus.Ok;
                }
            }
            return changed;
        }
        for (int i = 0; i < current.Length; i++)
        {
            if (i != newestItem && listings[i] is not null && current[i] != current[newestItem])
            {
                changed |= await CopyKeyAsync(newestItem, i, key, deleteWhenAbsent: false, cancellationToken).ConfigureAwait(false) == CacheStatus.Ok;
            }
        }
        return changed;
    }
}

/// <summary>What comparing a shard's replicas found.</summary>
/// <param name="UnreachableReplicas">Replicas that did not answer (not compared).</param>
/// <param name="DifferingKeys">Keys whose replicas hold different versions.</param>
/// <param name="Keys">Some of them, with each replica's version.</param>
/// <param name="RepairedKeys">Keys brought to their newest version by this pass.</param>
/// <param name="Truncated">Some differing buckets held more keys than one listing carries: the next pass finds the rest.</param>
public sealed record ReplicaComparison(IReadOnlyList<string> UnreachableReplicas, long DifferingKeys, IReadOnlyList<DifferingKey> Keys,
    long RepairedKeys, bool Truncated)
{
    /// <summary>A repair pass that did not run because a replica is not in sync.</summary>
    public static ReplicaComparison Skipped { get; } = new([], 0, [], 0, false);
}

/// <summary>A key whose replicas differ: per replica (in replica order) the CAS of the item it holds, null when it holds none or did not answer.</summary>
public sealed record DifferingKey(string Key, IReadOnlyList<ulong?> Versions);

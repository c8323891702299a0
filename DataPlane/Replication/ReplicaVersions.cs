using System.Buffers;
using System.Buffers.Binary;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// What a replica holds, summarised for anti-entropy: the region's keys are split into buckets by a
/// hash of the key, and each bucket has a digest, the wrapping sum of one 64-bit hash per live item
/// over (key, CAS, stale mark). A sum does not depend on the order the engine visits items in, so two
/// replicas holding the same versions have the same digests, and comparing the digests (8 bytes per
/// bucket) finds the buckets where they differ without shipping the keys. For those buckets the
/// replica lists every version it holds: items, and the tombstones of deletes not yet expired (which
/// say a missing key was deleted, and at which version). Tombstones are left out of the digests: a
/// key deleted on one replica and never written on another is the same to a client, and tombstones
/// expire at slightly different times on each replica.
/// <para>
/// Payload layout (locally and on the wire), little-endian: <c>u64 digest</c> per bucket, then per
/// listed version <c>u16 key length, u64 cas, u8 state (1 stale, 2 tombstone), i64 exptime, key</c>. The exptime (absolute
/// unix seconds, 0: never) of a tombstone is when it ends, so a replica that copies it keeps it as long as the source does,
/// not 60 s more with every copy.
/// </para>
/// </summary>
public sealed class ReplicaVersions
{
    /// <summary>Most buckets a request may ask for (the digests then take 32 KiB).</summary>
    public const int MaxBuckets = 4096;

    private const int EntryHeaderLength = 19;
    private const byte StateStale = 1;
    private const byte StateTombstone = 2;
    private const uint KeySeed = 0x6d6e656d;

    private ReplicaVersions(CacheStatus status, ulong[] digests, IReadOnlyList<KeyVersion> listed, bool truncated)
    {
        Status = status;
        Digests = digests;
        Listed = listed;
        Truncated = truncated;
    }

    /// <summary><see cref="CacheStatus.Ok"/>, or <see cref="CacheStatus.Unavailable"/> when the replica did not answer.</summary>
    public CacheStatus Status { get; }

    /// <summary>One digest per bucket.</summary>
    public ulong[] Digests { get; }

    /// <summary>The versions of the keys in the buckets asked for.</summary>
    public IReadOnlyList<KeyVersion> Listed { get; }

    /// <summary>True when the listing stopped at the payload limit: more keys of those buckets exist.</summary>
    public bool Truncated { get; }

    public static ReplicaVersions Unavailable { get; } = new(CacheStatus.Unavailable, [], [], false);

    /// <summary>The bucket of <paramref name="key"/> among <paramref name="buckets"/>.</summary>
    public static int BucketOf(ReadOnlySpan<byte> key, int buckets) => (int)(MurmurHash64A.Hash(key, KeySeed) % (uint)buckets);

    /// <summary>Whether <paramref name="buckets"/> is a bucket count requests may use.</summary>
    public static bool IsValidBucketCount(int buckets) => buckets is > 0 and <= MaxBuckets;

    /// <summary>Bytes of a bitmap of <paramref name="buckets"/> buckets (the buckets to list).</summary>
    public static int BitmapLength(int buckets) => (buckets + 7) / 8;

    public static bool IsListed(ReadOnlySpan<byte> bitmap, int bucket) => !bitmap.IsEmpty && (bitmap[bucket >> 3] & (1 << (bucket & 7))) != 0;

    public static void MarkListed(Span<byte> bitmap, int bucket) => bitmap[bucket >> 3] |= (byte)(1 << (bucket & 7));

    /// <summary>
    /// Scans <paramref name="region"/>'s versions (items and tombstones) and writes the payload: the
    /// digests, then the versions in the buckets <paramref name="listBuckets"/> marks (empty: none),
    /// keeping the payload within <see cref="DataPlaneProtocol.MaxScanChunkBytes"/>. Returns the number
    /// of versions listed and whether the listing was cut short.
    /// </summary>
    public static (int Listed, bool Truncated) Write(EnginePool pool, Region region, int buckets, ReadOnlySpan<byte> listBuckets,
        IBufferWriter<byte> output)
    {
        var digests = new ulong[buckets];
        var entries = new ArrayBufferWriter<byte>();
        int listed = 0;
        bool truncated = false;
        int entryBudget = DataPlaneProtocol.MaxScanChunkBytes - buckets * sizeof(ulong);
        byte[] bitmap = listBuckets.ToArray();
        pool.ScanVersions(region, (ReadOnlySpan<byte> key, ReadOnlySpan<byte> _, in ItemInfo info) =>
        {
            int bucket = BucketOf(key, buckets);
            bool tombstone = (info.State & ItemState.Tombstone) != 0;
            bool stale = (info.State & ItemState.Stale) != 0;
            if (!tombstone)
            {
                digests[bucket] += ItemHash(key, info.Cas, stale);
            }
            if (IsListed(bitmap, bucket))
            {
                if (entries.WrittenCount + EntryHeaderLength + key.Length > entryBudget)
                {
                    truncated = true;
                }
                else
                {
                    Span<byte> entry = entries.GetSpan(EntryHeaderLength + key.Length);
                    BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)key.Length);
                    BinaryPrimitives.WriteUInt64LittleEndian(entry[2..], info.Cas);
                    entry[10] = (byte)((stale ? StateStale : 0) | (tombstone ? StateTombstone : 0));
                    BinaryPrimitives.WriteInt64LittleEndian(entry[11..], info.Exptime);
                    key.CopyTo(entry[EntryHeaderLength..]);
                    entries.Advance(EntryHeaderLength + key.Length);
                    listed++;
                }
            }
            return true;
        });
        Span<byte> head = output.GetSpan(buckets * sizeof(ulong));
        for (int b = 0; b < buckets; b++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(head[(b * sizeof(ulong))..], digests[b]);
        }
        output.Advance(buckets * sizeof(ulong));
        output.Write(entries.WrittenSpan);
        return (listed, truncated);
    }

    /// <summary>Reads a payload <see cref="Write"/> produced; throws <see cref="DataPlaneProtocolException"/> when it is malformed.</summary>
    public static ReplicaVersions Read(ReadOnlySpan<byte> payload, int buckets, bool truncated)
    {
        if (payload.Length < buckets * sizeof(ulong))
        {
            throw new DataPlaneProtocolException($"versions payload of {payload.Length} bytes is shorter than {buckets} digests");
        }
        var digests = new ulong[buckets];
        for (int b = 0; b < buckets; b++)
        {
            digests[b] = BinaryPrimitives.ReadUInt64LittleEndian(payload[(b * sizeof(ulong))..]);
        }
        var listed = new List<KeyVersion>();
        ReadOnlySpan<byte> rest = payload[(buckets * sizeof(ulong))..];
        while (!rest.IsEmpty)
        {
            int keyLength = rest.Length >= EntryHeaderLength ? BinaryPrimitives.ReadUInt16LittleEndian(rest) : int.MaxValue;
            if (rest.Length - EntryHeaderLength < keyLength)
            {
                throw new DataPlaneProtocolException("versions payload ends inside an entry");
            }
            byte state = rest[10];
            listed.Add(new KeyVersion(rest.Slice(EntryHeaderLength, keyLength).ToArray(), BinaryPrimitives.ReadUInt64LittleEndian(rest[2..]),
                (state & StateStale) != 0, (state & StateTombstone) != 0, BinaryPrimitives.ReadInt64LittleEndian(rest[11..])));
            rest = rest[(EntryHeaderLength + keyLength)..];
        }
        return new ReplicaVersions(CacheStatus.Ok, digests, listed, truncated);
    }

    private static ulong ItemHash(ReadOnlySpan<byte> key, ulong cas, bool stale) =>
        MurmurHash3.Mix64(MurmurHash64A.Hash(key, ~KeySeed) ^ MurmurHash3.Mix64(cas + (stale ? 1UL : 0)));
}

/// <summary>One version a replica holds: an item, or the tombstone of a delete; <paramref name="Exptime"/> is when it expires (absolute unix seconds, 0: never).</summary>
public readonly record struct KeyVersion(byte[] Key, ulong Cas, bool Stale, bool Tombstone, long Exptime);

using System.Buffers;
using System.Buffers.Binary;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// The data-plane wire format: length-prefixed binary frames, little-endian, pipelined on one
/// long-lived TCP connection per peer, after its handshake (<see cref="DataPlaneHandshake"/>). Every
/// request carries an id the response echoes, so responses may be matched in any order and many
/// requests share one write.
/// <code>
/// request  (52-byte header): u32 length-after-this-field, u32 id, u8 op, u8 mode, u8 region length,
///          u8 option bits, u16 key length, u16 0, u32 flags | chunk bytes,
///          i64 exptime | touch exptime | md I T exptime | delay, u64 cas-in | delta | scan id | recache-below,
///          u64 cas-new, i64 vivify exptime (get) | cas-in (incr/decr); then region name (UTF-8), key, value.
/// response (48-byte header): u32 length-after-this-field, u32 id, u8 status, u8 bits (1 fetched,
///          2 scan done, 4 no value), u8 item state (CacheItemState), u8 0, u32 flags, i64 exptime, u64 cas,
///          u64 number (incr/decr value, scan id, value length of a get without value), i64 last access;
///          then the payload (value, scan items, stats).
/// </code>
/// Option bits of a get: 1 touch, 2 vivify, 4 recache, 8 lease, 16 exptime before touch, 32 touch before vivify, 64 recache
/// before touch, 128 no value (the response carries no value, bit 4 set and the value's length as its number); of a store,
/// delete or incr/decr: 1 invalidate, 2 set exptime (md I T), 4 stale, 8 ordered, 16 advance. A cas-new of 0 lets the engine
/// choose the CAS.
/// Store modes use <see cref="CacheStoreMode"/>; mode 1 on arithmetic
/// means decrement. Statuses are <see cref="CacheStatus"/> values. A scan
/// response repeats its bits in the flags field, which is where <see cref="PeerConnection"/> reads "done".
/// A versions request carries the bucket count in its flags and, as its value, a bitmap of the
/// buckets to list (or none); its response's flags say 1 when the listing was cut short, and its
/// payload is <see cref="ReplicaVersions"/>.
/// </summary>
public static class DataPlaneProtocol
{
    public const int RequestHeaderLength = 52;
    public const int ResponseHeaderLength = 48;
    public const int LengthPrefix = 4;
    public const byte ResponseFetched = 1;
    public const byte ResponseScanDone = 2;
    public const byte ResponseNoValue = 4;
    public const byte ReadTouch = 1;
    public const byte ReadVivify = 2;
    public const byte ReadRecache = 4;
    public const byte ReadLease = 8;
    public const byte ReadExptimeBeforeTouch = 16;
    public const byte ReadTouchBeforeVivify = 32;
    public const byte ReadRecacheBeforeTouch = 64;
    public const byte ReadNoValue = 128;
    public const byte AllReadOptions = 255;
    public const byte WriteInvalidate = 1;
    public const byte WriteSetExptime = 2;
    public const byte WriteStale = 4;
    public const byte WriteOrdered = 8;
    public const byte WriteAdvance = 16;
    public const byte AllWriteOptions = 31;
    public const int StatsPayloadLength = 6 * sizeof(ulong);

    /// <summary>Flags bit of a versions response: the listing stopped at the payload limit.</summary>
    public const uint ResponseVersionsTruncated = 1;

    /// <summary>Whether requests of <paramref name="op"/> name a key (the others address a whole region).</summary>
    public static bool IsKeyed(DataPlaneOpCode op) => op is not (DataPlaneOpCode.Flush or DataPlaneOpCode.ScanChunk or DataPlaneOpCode.Stats or DataPlaneOpCode.Versions);

    /// <summary>Largest scan chunk a server produces (a chunk may exceed it by one item).</summary>
    public const int MaxScanChunkBytes = 1 << 20;

    /// <summary>Largest request frame for items up to <paramref name="itemSizeMax"/> bytes.</summary>
    public static int MaxRequestLength(int itemSizeMax) => RequestHeaderLength + EngineLimits.RegionNameMax + EngineLimits.KeyMax + itemSizeMax;

    /// <summary>Largest response frame: a value, or a scan chunk that ends with one whole item.</summary>
    public static int MaxResponseLength(int itemSizeMax) => ResponseHeaderLength + MaxScanChunkBytes + 32 + EngineLimits.KeyMax + itemSizeMax;

    /// <summary>
    /// Reads the length prefix of the frame at the start of <paramref name="buffer"/>; false when fewer
    /// than 4 bytes are buffered. Throws when the frame is shorter than a header or longer than allowed.
    /// </summary>
    public static bool TryReadFrameLength(in ReadOnlySequence<byte> buffer, int headerLength, int maxFrameLength, out int frameLength)
    {
        frameLength = 0;
        if (buffer.Length < LengthPrefix)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[LengthPrefix];
        buffer.Slice(0, LengthPrefix).CopyTo(prefix);
        uint rest = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (rest + (ulong)LengthPrefix < (ulong)headerLength)
        {
            throw new DataPlaneProtocolException($"frame of {rest + LengthPrefix} bytes is shorter than its {headerLength}-byte header");
        }
        if (rest + (ulong)LengthPrefix > (ulong)maxFrameLength)
        {
            throw new DataPlaneProtocolException($"frame of {rest + LengthPrefix} bytes exceeds the limit of {maxFrameLength}");
        }
        frameLength = (int)rest + LengthPrefix;
        return true;
    }

    /// <summary>
    /// The contiguous bytes of a frame: the buffer's own memory when the frame sits in one segment
    /// (the common case), else a copy into <paramref name="scratch"/>, grown from the array pool.
    /// </summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> frame, ref byte[]? scratch)
    {
        if (frame.IsSingleSegment)
        {
            return frame.FirstSpan;
        }
        int length = (int)frame.Length;
        if (scratch is null || scratch.Length < length)
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
            scratch = ArrayPool<byte>.Shared.Rent(length);
        }
        frame.CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }
}

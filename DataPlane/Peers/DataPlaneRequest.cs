using System.Buffers;
using System.Buffers.Binary;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>A parsed request frame; the spans point into the frame.</summary>
public readonly ref struct DataPlaneRequest
{
    public uint Id { get; init; }
    public DataPlaneOpCode Op { get; init; }
    public byte Mode { get; init; }
    public byte Options { get; init; }
    public uint Flags { get; init; }
    public long Exptime { get; init; }
    public ulong Argument { get; init; }
    public ulong CasNew { get; init; }
    public long Argument2 { get; init; }
    public ReadOnlySpan<byte> Region { get; init; }
    public ReadOnlySpan<byte> Key { get; init; }
    public ReadOnlySpan<byte> Value { get; init; }

    /// <summary>The engine options of a get.</summary>
    public ReadOptions ReadOptions => new()
    {
        TouchExptime = (Options & DataPlaneProtocol.ReadTouch) != 0 ? Exptime : null,
        VivifyExptime = (Options & DataPlaneProtocol.ReadVivify) != 0 ? Argument2 : null,
        RecacheBelow = (Options & DataPlaneProtocol.ReadRecache) != 0 ? (long)Argument : null,
        CasNew = CasNew,
        Lease = (Options & DataPlaneProtocol.ReadLease) != 0,
        ExptimeBeforeTouch = (Options & DataPlaneProtocol.ReadExptimeBeforeTouch) != 0,
        TouchBeforeVivify = (Options & DataPlaneProtocol.ReadTouchBeforeVivify) != 0,
        RecacheBeforeTouch = (Options & DataPlaneProtocol.ReadRecacheBeforeTouch) != 0,
        NoValue = (Options & DataPlaneProtocol.ReadNoValue) != 0,
    };

    /// <summary>The engine options of a store, delete or incr/decr.</summary>
    public WriteOptions WriteOptions => new()
    {
        CasIn = Op == DataPlaneOpCode.Arithmetic ? (ulong)Argument2 : Argument,
        CasNew = CasNew,
        Invalidate = (Options & DataPlaneProtocol.WriteInvalidate) != 0,
        Exptime = (Options & DataPlaneProtocol.WriteSetExptime) != 0 ? Exptime : null,
        Stale = (Options & DataPlaneProtocol.WriteStale) != 0,
        Ordered = (Options & DataPlaneProtocol.WriteOrdered) != 0,
        Advance = (Options & DataPlaneProtocol.WriteAdvance) != 0,
    };

    /// <summary>Parses and validates a whole frame (length prefix included); throws <see cref="DataPlaneProtocolException"/> on anything malformed.</summary>
    public static DataPlaneRequest Parse(ReadOnlySpan<byte> frame)
    {
        var op = (DataPlaneOpCode)frame[8];
        if (op is < DataPlaneOpCode.Get or > DataPlaneOpCode.Versions)
        {
            throw new DataPlaneProtocolException($"unknown operation {frame[8]}");
        }
        byte mode = frame[9];
        int regionLength = frame[10];
        byte options = frame[11];
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[12..]);
        if (regionLength is 0 or > EngineLimits.RegionNameMax)
        {
            throw new DataPlaneProtocolException($"region name of {regionLength} bytes (1 to {EngineLimits.RegionNameMax} allowed)");
        }
        if (keyLength > EngineLimits.KeyMax)
        {
            throw new DataPlaneProtocolException($"key of {keyLength} bytes (at most {EngineLimits.KeyMax} allowed)");
        }
        int bodyLength = frame.Length - DataPlaneProtocol.RequestHeaderLength;
        if (regionLength + keyLength > bodyLength)
        {
            throw new DataPlaneProtocolException($"region and key lengths ({regionLength} + {keyLength}) exceed the {bodyLength}-byte body");
        }
        bool keyed = DataPlaneProtocol.IsKeyed(op);
        if (keyed == (keyLength == 0))
        {
            throw new DataPlaneProtocolException(keyed ? $"{op} without a key" : $"{op} with a key");
        }
        int valueLength = bodyLength - regionLength - keyLength;
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(frame[16..]);
        if (op == DataPlaneOpCode.Versions)
        {
            if (!ReplicaVersions.IsValidBucketCount((int)Math.Min(flags, int.MaxValue)))
            {
                throw new DataPlaneProtocolException($"{op} over {flags} buckets (1 to {ReplicaVersions.MaxBuckets} allowed)");
            }
            if (valueLength != 0 && valueLength != ReplicaVersions.BitmapLength((int)flags))
            {
                throw new DataPlaneProtocolException($"{op} with a {valueLength}-byte bucket bitmap for {flags} buckets");
            }
        }
        else if (op != DataPlaneOpCode.Store && valueLength != 0)
        {
            throw new DataPlaneProtocolException($"{op} with a value");
        }
        if (op == DataPlaneOpCode.Store && mode > (byte)CacheStoreMode.Cas || op == DataPlaneOpCode.Arithmetic && mode > 1)
        {
            throw new DataPlaneProtocolException($"{op} with mode {mode}");
        }
        byte allowed = op switch
        {
            DataPlaneOpCode.Get => DataPlaneProtocol.AllReadOptions,
            DataPlaneOpCode.Store or DataPlaneOpCode.Delete or DataPlaneOpCode.Arithmetic => DataPlaneProtocol.AllWriteOptions,
            _ => 0,
        };
        if (options > allowed)
        {
            throw new DataPlaneProtocolException($"{op} with option bits {options}");
        }
        ReadOnlySpan<byte> body = frame[DataPlaneProtocol.RequestHeaderLength..];
        return new DataPlaneRequest
        {
            Id = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]),
            Op = op,
            Mode = mode,
            Options = options,
            Flags = flags,
            Exptime = BinaryPrimitives.ReadInt64LittleEndian(frame[20..]),
            Argument = BinaryPrimitives.ReadUInt64LittleEndian(frame[28..]),
            CasNew = BinaryPrimitives.ReadUInt64LittleEndian(frame[36..]),
            Argument2 = BinaryPrimitives.ReadInt64LittleEndian(frame[44..]),
            Region = body[..regionLength],
            Key = body.Slice(regionLength, keyLength),
            Value = body[(regionLength + keyLength)..],
        };
    }

    /// <summary>Writes a request frame to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, uint id, in DataPlaneRequestFields fields, ReadOnlySpan<byte> region, ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> value)
    {
        int length = DataPlaneProtocol.RequestHeaderLength + region.Length + key.Length + value.Length;
        Span<byte> frame = output.GetSpan(length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(length - DataPlaneProtocol.LengthPrefix));
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], id);
        frame[8] = (byte)fields.Op;
        frame[9] = fields.Mode;
        frame[10] = (byte)region.Length;
        frame[11] = fields.Options;
        BinaryPrimitives.WriteUInt16LittleEndian(frame[12..], (ushort)key.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[14..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[16..], fields.Flags);
        BinaryPrimitives.WriteInt64LittleEndian(frame[20..], fields.Exptime);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[28..], fields.Argument);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[36..], fields.CasNew);
        BinaryPrimitives.WriteInt64LittleEndian(frame[44..], fields.Argument2);
        Span<byte> body = frame[DataPlaneProtocol.RequestHeaderLength..];
        region.CopyTo(body);
        key.CopyTo(body[region.Length..]);
        value.CopyTo(body[(region.Length + key.Length)..]);
        output.Advance(length);
    }
}

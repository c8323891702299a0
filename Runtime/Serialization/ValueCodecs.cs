using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Mnemo.Runtime.Serialization;

/// <summary>The argument codec for remote grain calls: finds the codec of a CLR type and encodes one
/// value to (or decodes it from) the bytes of one <c>GrainRequest.arguments</c> entry or
/// <c>GrainResponse.result</c>. Supported: protobuf messages, bool, int, long, uint, ulong, float,
/// double, string, byte[], ReadOnlyMemory&lt;byte&gt;, Guid, DateTimeOffset, TimeSpan, enums,
/// Nullable of those value types, and arrays, List&lt;T&gt; and IReadOnlyList&lt;T&gt; of any of them.
/// Calls within one silo skip the codec and pass the objects themselves.</summary>
public static class ValueCodecs
{
    private static readonly ConcurrentDictionary<Type, ValueCodec> Cache = new(CreateBuiltIns());

    /// <summary>The codec for <paramref name="type"/>; <see cref="NotSupportedException"/> naming the
    /// type when there is none.</summary>
    public static ValueCodec For(Type type) => TryFor(type) ?? throw new NotSupportedException(
        $"type {type.FullName} cannot be sent in a grain call; use a protobuf message, a primitive (bool, int, long, uint, ulong, float, double, string, byte[], ReadOnlyMemory<byte>, Guid, DateTimeOffset, TimeSpan), an enum, or an array/List<T>/IReadOnlyList<T> of those");

    public static bool IsSupported(Type type) => TryFor(type) is not null;

    public static ByteString Encode(ValueCodec codec, object? value)
    {
        var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            codec.Write(output, value);
        }

        // The stream is private to this call, so its buffer can be wrapped without a copy.
        return UnsafeByteOperations.UnsafeWrap(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    public static object? Decode(ValueCodec codec, ByteString bytes)
    {
        ArraySegment<byte> segment = MemoryMarshal.TryGetArray(bytes.Memory, out ArraySegment<byte> s) ? s : new ArraySegment<byte>(bytes.ToByteArray());
        var input = new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
        try
        {
            object? value = codec.Read(input);
            if (!input.IsAtEnd)
            {
                throw new GrainCodecException($"{codec.Type.Name}: {segment.Count - input.Position} bytes left over after the value");
            }

            return value;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrainCodecException($"cannot decode {codec.Type.Name}: {e.Message}", e);
        }
    }

    private static ValueCodec? TryFor(Type type)
    {
        if (Cache.TryGetValue(type, out ValueCodec? cached))
        {
            return cached;
        }

        ValueCodec? created = Create(type);
        return created is null ? null : Cache.GetOrAdd(type, created);
    }

    private static ValueCodec? Create(Type type)
    {
        if (type.IsEnum)
        {
            return new EnumCodec(type);
        }

        if (typeof(IMessage).IsAssignableFrom(type) && type.IsClass && !type.IsAbstract)
        {
            return new MessageCodec(type);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TryFor(underlying) is { } inner ? new NullableValueCodec(type, inner) : null;
        }

        return SequenceElementType(type) is { } element && TryFor(element) is { } elementCodec
            ? new SequenceCodec(type, element, elementCodec)
            : null;
    }

    private static Type? SequenceElementType(Type type)
    {
        if (type.IsArray && type.GetArrayRank() == 1)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (definition == typeof(List<>) || definition == typeof(IReadOnlyList<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static IEnumerable<KeyValuePair<Type, ValueCodec>> CreateBuiltIns()
    {
        ValueCodec[] codecs =
        [
            new PrimitiveCodec<bool>((o, v) => o.WriteBool(v), i => i.ReadBool()),
            new PrimitiveCodec<int>((o, v) => o.WriteSInt32(v), i => i.ReadSInt32()),
            new PrimitiveCodec<long>((o, v) => o.WriteSInt64(v), i => i.ReadSInt64()),
            new PrimitiveCodec<uint>((o, v) => o.WriteUInt32(v), i => i.ReadUInt32()),
            new PrimitiveCodec<ulong>((o, v) => o.WriteUInt64(v), i => i.ReadUInt64()),
            new PrimitiveCodec<float>((o, v) => o.WriteFloat(v), i => i.ReadFloat()),
            new PrimitiveCodec<double>((o, v) => o.WriteDouble(v), i => i.ReadDouble()),
            new PrimitiveCodec<TimeSpan>((o, v) => o.WriteSInt64(v.Ticks), i => TimeSpan.FromTicks(i.ReadSInt64())),
            new PrimitiveCodec<DateTimeOffset>(WriteDateTimeOffset, ReadDateTimeOffset),
            new PrimitiveCodec<Guid>(WriteGuid, ReadGuid),
            new PrimitiveCodec<ReadOnlyMemory<byte>>((o, v) => o.WriteBytes(ByteString.CopyFrom(v.Span)), i => i.ReadBytes().Memory),
            new ReferenceCodec<string>((o, v) => o.WriteString(v), i => i.ReadString()),
            new ReferenceCodec<byte[]>((o, v) => o.WriteBytes(ByteString.CopyFrom(v)), i => i.ReadBytes().ToByteArray()),
        ];
        return codecs.Select(c => KeyValuePair.Create(c.Type, c));
    }

    private static void WriteDateTimeOffset(CodedOutputStream output, DateTimeOffset value)
    {
        output.WriteSInt64(value.Ticks);
        output.WriteSInt32((int)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadDateTimeOffset(CodedInputStream input)
    {
        long ticks = input.ReadSInt64();
        int offsetMinutes = input.ReadSInt32();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes));
        }
        catch (ArgumentException e)
        {
            throw new GrainCodecException($"invalid DateTimeOffset ({ticks} ticks, offset {offsetMinutes} min)", e);
        }
    }

    private static void WriteGuid(CodedOutputStream output, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        output.WriteFixed64(BitConverter.ToUInt64(bytes));
        output.WriteFixed64(BitConverter.ToUInt64(bytes[8..]));
    }

    private static Guid ReadGuid(CodedInputStream input)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, input.ReadFixed64());
        BitConverter.TryWriteBytes(bytes[8..], input.ReadFixed64());
        return new Guid(bytes);
    }
}

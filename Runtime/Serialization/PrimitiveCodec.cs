using Google.Protobuf;

namespace Mnemo.Runtime.Serialization;

/// <summary>A value type written with one protobuf primitive.</summary>
internal sealed class PrimitiveCodec<T>(Action<CodedOutputStream, T> write, Func<CodedInputStream, T> read)
    : ValueCodec(typeof(T)) where T : struct
{
    public override void Write(CodedOutputStream output, object? value) =>
        write(output, value is T typed ? typed : throw new GrainCodecException($"expected {typeof(T).Name}, got {value?.GetType().Name ?? "null"}"));

    public override object? Read(CodedInputStream input) => read(input);
}

/// <summary>A reference type: a presence flag, then the value when present, so null survives.</summary>
internal sealed class ReferenceCodec<T>(Action<CodedOutputStream, T> write, Func<CodedInputStream, T> read)
    : ValueCodec(typeof(T)) where T : class
{
    public override void Write(CodedOutputStream output, object? value)
    {
        output.WriteBool(value is not null);
        if (value is not null)
        {
            write(output, value as T ?? throw new GrainCodecException($"expected {typeof(T).Name}, got {value.GetType().Name}"));
        }
    }

    public override object? Read(CodedInputStream input) => input.ReadBool() ? read(input) : null;
}

/// <summary><see cref="Nullable{T}"/>: a presence flag, then the underlying value.</summary>
internal sealed class NullableValueCodec(Type nullableType, ValueCodec underlying) : ValueCodec(nullableType)
{
    public override void Write(CodedOutputStream output, object? value)
    {
        output.WriteBool(value is not null);
        if (value is not null)
        {
            underlying.Write(output, value);
        }
    }

    public override object? Read(CodedInputStream input) => input.ReadBool() ? underlying.Read(input) : null;
}

/// <summary>An enum as its underlying integer value (zig-zag varint).</summary>
internal sealed class EnumCodec(Type enumType) : ValueCodec(enumType)
{
    public override void Write(CodedOutputStream output, object? value)
    {
        if (value is null || value.GetType() != Type)
        {
            throw new GrainCodecException($"expected {Type.Name}, got {value?.GetType().Name ?? "null"}");
        }

        output.WriteSInt64(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public override object? Read(CodedInputStream input) => Enum.ToObject(Type, input.ReadSInt64());
}

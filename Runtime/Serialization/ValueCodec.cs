using Google.Protobuf;

namespace Mnemo.Runtime.Serialization;

/// <summary>Writes and reads values of one CLR type in protobuf wire primitives. Codecs are built
/// once per type by <see cref="ValueCodecs"/> and shared.</summary>
public abstract class ValueCodec(Type type)
{
    public Type Type { get; } = type;

    public abstract void Write(CodedOutputStream output, object? value);

    public abstract object? Read(CodedInputStream input);
}

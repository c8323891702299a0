using System.Reflection;
using Google.Protobuf;

namespace Mnemo.Runtime.Serialization;

/// <summary>A generated protobuf message, length-delimited, after a presence flag.</summary>
internal sealed class MessageCodec : ValueCodec
{
    private readonly MessageParser _parser;

    public MessageCodec(Type messageType) : base(messageType)
    {
        _parser = messageType.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageParser
            ?? throw new NotSupportedException($"{messageType.FullName} implements IMessage but has no static Parser property (is it a generated message?)");
    }

    public override void Write(CodedOutputStream output, object? value)
    {
        output.WriteBool(value is not null);
        if (value is not null)
        {
            output.WriteBytes((value as IMessage ?? throw new GrainCodecException($"expected {Type.Name}, got {value.GetType().Name}")).ToByteString());
        }
    }

    public override object? Read(CodedInputStream input) => input.ReadBool() ? _parser.ParseFrom(input.ReadBytes()) : null;
}

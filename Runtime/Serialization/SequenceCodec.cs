using System.Collections;
using Google.Protobuf;

namespace Mnemo.Runtime.Serialization;

/// <summary>Arrays, <see cref="List{T}"/> and <see cref="IReadOnlyList{T}"/>: a presence flag, the
/// element count, then each element with the element codec. Lists are read back as List&lt;T&gt;.</summary>
internal sealed class SequenceCodec(Type sequenceType, Type elementType, ValueCodec element) : ValueCodec(sequenceType)
{
    public override void Write(CodedOutputStream output, object? value)
    {
        output.WriteBool(value is not null);
        if (value is null)
        {
            return;
        }

        if (value is not IList list)
        {
            throw new GrainCodecException($"expected {Type.Name}, got {value.GetType().Name}");
        }

        output.WriteInt32(list.Count);
        foreach (object? item in list)
        {
            element.Write(output, item);
        }
    }

    public override object? Read(CodedInputStream input)
    {
        if (!input.ReadBool())
        {
            return null;
        }

        int count = input.ReadInt32();
        if (count < 0)
        {
            throw new GrainCodecException($"negative sequence count {count}");
        }

        // No capacity from the count: a forged count then fails at the end of the bytes instead of
        // allocating a huge buffer first.
        IList items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
        for (int i = 0; i < count; i++)
        {
            items.Add(element.Read(input));
        }

        if (!Type.IsArray)
        {
            return items;
        }

        Array array = Array.CreateInstance(elementType, count);
        items.CopyTo(array, 0);
        return array;
    }
}

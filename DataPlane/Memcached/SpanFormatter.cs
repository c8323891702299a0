using System.Buffers.Text;

namespace Mnemo.DataPlane;

/// <summary>Appends protocol text and decimal numbers to a fixed span (reply headers built on the stack).</summary>
internal ref struct SpanFormatter
{
    private readonly Span<byte> _destination;

    public SpanFormatter(Span<byte> destination)
    {
        _destination = destination;
        Length = 0;
    }

    public int Length { get; private set; }

    public void Append(byte value) => _destination[Length++] = value;

    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_destination[Length..]);
        Length += bytes.Length;
    }

    public void Append(ulong value)
    {
        Utf8Formatter.TryFormat(value, _destination[Length..], out int written);
        Length += written;
    }

    public void Append(long value)
    {
        Utf8Formatter.TryFormat(value, _destination[Length..], out int written);
        Length += written;
    }
}

using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>
/// The buffer writer a store reads a value into: the connection's output pipe, behind room kept for
/// the reply header. The header carries the value's length and flags, known only once the store has
/// answered, so the value is read first and the header written in front of it at
/// <see cref="Commit"/>; nothing reaches the pipe until then, so a miss or an error leaves no trace.
/// One per connection, reused for every read (commands run one at a time). The value is placed where
/// the caller expects its header to end, so a good guess (the same shape as the previous reply) commits
/// without moving the value; a wrong one costs one move.
/// </summary>
internal sealed class ValueReplyWriter : IBufferWriter<byte>
{
    private readonly ResponseWriter _out;
    private Memory<byte> _area;
    private int _headerRoom;
    private int _valueOffset;
    private int _trailerLength;
    private int _written;

    public ValueReplyWriter(ResponseWriter output)
    {
        _out = output;
    }

    /// <summary>Value bytes the store has written.</summary>
    public int Length => _written;

    /// <summary>Starts a read whose header takes at most <paramref name="headerRoom"/> bytes and whose value is followed by <paramref name="trailerLength"/> bytes.</summary>
    public IBufferWriter<byte> Begin(int headerRoom, int trailerLength) => Begin(headerRoom, headerRoom, trailerLength);

    /// <summary>
    /// Starts a read whose header takes at most <paramref name="headerRoom"/> bytes and most likely
    /// <paramref name="expectedHeaderLength"/>: the value is written right behind that length.
    /// </summary>
    public IBufferWriter<byte> Begin(int headerRoom, int expectedHeaderLength, int trailerLength)
    {
        _area = default;
        _headerRoom = headerRoom;
        _valueOffset = Math.Clamp(expectedHeaderLength, 0, headerRoom);
        _trailerLength = trailerLength;
        _written = 0;
        return this;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        int needed = _headerRoom + _written + Math.Max(sizeHint, 1) + _trailerLength;
        if (_area.Length < needed)
        {
            Reserve(needed);
        }
        // Behind the value stays room for the trailer and for a header longer than expected.
        return _area[(_valueOffset + _written)..(_area.Length - _trailerLength - (_headerRoom - _valueOffset))];
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public void Advance(int count)
    {
        if (count < 0 || _headerRoom + _written + count + _trailerLength > _area.Length)
        {
            throw new InvalidOperationException("Advanced past the memory the value writer handed out.");
        }
        _written += count;
    }

    /// <summary>
    /// Writes <paramref name="header"/> right in front of the value (moving the value when the header
    /// is not of the expected length) and <paramref name="trailer"/> behind it, and commits all three.
    /// </summary>
    public void Commit(ReadOnlySpan<byte> header, ReadOnlySpan<byte> trailer)
    {
        if (header.Length > _headerRoom || trailer.Length != _trailerLength)
        {
            throw new InvalidOperationException("The reply header or trailer does not fit the room kept for it.");
        }
        if (_area.IsEmpty)
        {
            Reserve(_headerRoom + _trailerLength);
        }
        Span<byte> area = _area.Span;
        if (header.Length != _valueOffset)
        {
            area.Slice(_valueOffset, _written).CopyTo(area[header.Length..]);
        }
        header.CopyTo(area);
        trailer.CopyTo(area[(header.Length + _written)..]);
        _out.Advance(header.Length + _written + trailer.Length);
        _area = default;
    }

    /// <summary>
    /// Asks the pipe for a larger area. The pipe may hand back memory it recycled from the old area,
    /// so the bytes written so far are saved aside first (only a value that arrives in parts and
    /// outgrows its first area gets here).
    /// </summary>
    private void Reserve(int needed)
    {
        if (_written == 0)
        {
            _area = _out.GetMemory(needed);
            return;
        }
        byte[] saved = ArrayPool<byte>.Shared.Rent(_written);
        try
        {
            _area.Span.Slice(_valueOffset, _written).CopyTo(saved);
            _area = _out.GetMemory(needed);
            saved.AsSpan(0, _written).CopyTo(_area.Span[_valueOffset..]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(saved);
        }
    }
}

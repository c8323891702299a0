using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace Mnemo.DataPlane;

/// <summary>Formats replies straight into the connection's output pipe (no intermediate strings).</summary>
internal sealed class ResponseWriter
{
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    private readonly PipeWriter _output;
    // Bytes written over the connection's life; the marks say where the last report and flush were.
    private long _written;
    private long _reported;
    private long _flushed;

    public ResponseWriter(PipeWriter output)
    {
        _output = output;
    }

    /// <summary>Bytes written since the last call (for <c>bytes_written</c>).</summary>
    public long TakeWrittenCount()
    {
        long count = _written - _reported;
        _reported = _written;
        return count;
    }

    /// <summary>Bytes written since the last <see cref="FlushAsync"/>, counted here rather than asked of the pipe on every command.</summary>
    public long UnflushedBytes => _written - _flushed;

    public ValueTask<FlushResult> FlushAsync()
    {
        _flushed = _written;
        return _output.FlushAsync();
    }

    public Span<byte> GetSpan(int sizeHint) => _output.GetSpan(sizeHint);

    public Memory<byte> GetMemory(int sizeHint) => _output.GetMemory(sizeHint);

    public void Advance(int count)
    {
        _output.Advance(count);
        _written += count;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _written += bytes.Length;
    }

    public void WriteLine(ReadOnlySpan<byte> line)
    {
        Write(line);
        Write(CrLf);
    }

    public void WriteCrLf() => Write(CrLf);

    public void WriteDecimal(ulong value)
    {
        Span<byte> span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        Advance(written);
    }

    public void WriteDecimal(long value)
    {
        Span<byte> span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        Advance(written);
    }

    public void WriteAscii(string text)
    {
        Span<byte> span = _output.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }
        Advance(text.Length);
    }
}

using System.IO.Pipelines;

namespace Mnemo.DataPlane;

/// <summary>
/// A stream (an authenticated <see cref="System.Net.Security.SslStream"/>) as a connection's pipes, so
/// a protocol loop written against pipes runs unchanged over TLS. The stream stays open: its owner
/// disposes it.
/// </summary>
internal sealed class StreamPipes(Stream stream) : IDuplexPipe
{
    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));

    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
}

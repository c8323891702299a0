using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Mnemo.Runtime.Transport;

/// <summary>A request body holding one gRPC-framed message, serialized straight into a pooled
/// buffer and written with a single write.</summary>
internal sealed class FramedMessageContent : HttpContent
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcFraming.ContentType);
    private readonly IMessage _message;
    private readonly int _size;

    public FramedMessageContent(IMessage message)
    {
        _message = message;
        _size = message.CalculateSize();
        Headers.ContentType = GrpcContentType;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcFraming.HeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            GrpcFraming.WriteHeader(buffer, _size);
            _message.WriteTo(buffer.AsSpan(GrpcFraming.HeaderSize, _size));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcFraming.HeaderSize + _size;
        return true;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Mnemo.Runtime.Transport;

/// <summary>gRPC length-prefixed framing: 1 byte compressed flag, 4 bytes big-endian length, then the
/// protobuf message. Only uncompressed messages are produced or accepted.</summary>
public static class GrpcFraming
{
    public const int HeaderSize = 5;
    public const string ContentType = "application/grpc";

    /// <summary>Outcome of reading the single message of a unary call.</summary>
    public readonly record struct ReadResult<T>(T? Message, GrpcStatusCode Status, string? Error)
        where T : class
    {
        public static ReadResult<T> Fail(GrpcStatusCode status, string error) => new(null, status, error);
    }

    /// <summary>Reads exactly one message and the end of the body. A header announcing more than
    /// <paramref name="maxMessageSize"/> bytes fails before the payload is read.</summary>
    public static async ValueTask<ReadResult<T>> ReadSingleMessageAsync<T>(
        PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        T? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (message is not null)
            {
                if (!buffer.IsEmpty)
                {
                    reader.AdvanceTo(buffer.End);
                    return ReadResult<T>.Fail(GrpcStatusCode.InvalidArgument, "a unary call carries exactly one message");
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                    return new ReadResult<T>(message, GrpcStatusCode.Ok, null);
                continue;
            }

            if (buffer.Length >= HeaderSize)
            {
                var (compressed, length) = ReadHeader(buffer);
                if (compressed)
                {
                    reader.AdvanceTo(buffer.End);
                    return ReadResult<T>.Fail(GrpcStatusCode.Unimplemented, "compressed messages are not supported");
                }
                if (length > (uint)maxMessageSize)
                {
                    reader.AdvanceTo(buffer.End);
                    return ReadResult<T>.Fail(GrpcStatusCode.ResourceExhausted,
                        $"message of {length} bytes exceeds the limit of {maxMessageSize} bytes");
                }
                if (buffer.Length >= HeaderSize + length)
                {
                    var payload = buffer.Slice(HeaderSize, length);
                    try
                    {
                        message = parser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException e)
                    {
                        reader.AdvanceTo(buffer.End);
                        return ReadResult<T>.Fail(GrpcStatusCode.InvalidArgument, "malformed message: " + e.Message);
                    }
                    reader.AdvanceTo(payload.End);
                    continue;
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return ReadResult<T>.Fail(GrpcStatusCode.InvalidArgument,
                    buffer.IsEmpty ? "the request carries no message" : "the request message is truncated");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message)
    {
        var size = message.CalculateSize();
        var header = writer.GetSpan(HeaderSize);
        WriteHeader(header, size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }

    public static void WriteHeader(Span<byte> destination, int messageSize)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)messageSize);
    }

    public static (bool Compressed, uint Length) ReadHeader(ReadOnlySpan<byte> header) =>
        (header[0] != 0, BinaryPrimitives.ReadUInt32BigEndian(header[1..]));

    private static (bool Compressed, uint Length) ReadHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        return ReadHeader(header);
    }

    /// <summary>grpc-message must be ASCII; percent-encoding is what gRPC clients decode.</summary>
    public static string EncodeStatusMessage(string message) => Uri.EscapeDataString(message);

    public static string DecodeStatusMessage(string? message) =>
        string.IsNullOrEmpty(message) ? "" : Uri.UnescapeDataString(message);
}

using System.Buffers;
using System.IO.Pipelines;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// The value writer reads a value to where it expects the reply header to end. Whatever the header
/// turns out to be (shorter, as expected, longer), and however the value arrives (at once, or in
/// parts that outgrow the first area), the reply is the header, the value and the trailer, in that order.
/// </summary>
public sealed class ValueReplyWriterTests
{
    [Theory]
    [InlineData("VALUE k 0 5\r\n", 13, 10)]   // as expected: nothing moves
    [InlineData("VALUE k 0 5\r\n", 20, 10)]   // expected longer: the value moves forward
    [InlineData("VALUE k 0 5\r\n", 4, 10)]    // expected shorter: the value moves back
    [InlineData("VALUE k 0 5\r\n", 4, 20_000)] // and in parts, past the first area
    public async Task The_reply_is_header_value_trailer_whatever_header_length_was_expected(string header, int expectedHeaderLength, int valueLength)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var output = new ResponseWriter(pipe.Writer);
        var writer = new ValueReplyWriter(output);
        byte[] value = Enumerable.Range(0, valueLength).Select(i => (byte)('a' + i % 26)).ToArray();

        IBufferWriter<byte> target = writer.Begin(64, expectedHeaderLength, 2);
        target.Write(value.AsSpan(0, 3));
        target.Write(value.AsSpan(3));
        writer.Commit(System.Text.Encoding.ASCII.GetBytes(header), "\r\n"u8);
        output.WriteLine("END"u8);
        await output.FlushAsync();
        pipe.Writer.Complete();

        byte[] expected = [.. System.Text.Encoding.ASCII.GetBytes(header), .. value, .. "\r\nEND\r\n"u8];
        Assert.Equal(expected, await ReadAllAsync(pipe.Reader));
        Assert.Equal(expected.Length, output.TakeWrittenCount());
        Assert.Equal(0, output.UnflushedBytes);
    }

    [Fact]
    public void A_header_longer_than_the_room_kept_is_refused()
    {
        var pipe = new Pipe();
        var writer = new ValueReplyWriter(new ResponseWriter(pipe.Writer));
        writer.Begin(8, 4, 2).Write("v"u8);
        Assert.Throws<InvalidOperationException>(() => writer.Commit("123456789"u8, "\r\n"u8));
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        ReadResult read = await reader.ReadAsync();
        while (!read.IsCompleted)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await reader.ReadAsync();
        }
        return read.Buffer.ToArray();
    }
}

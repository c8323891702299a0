using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Serialization;

namespace Mnemo.Runtime.Tests;

public sealed class CodecTests
{
    public enum Color : short
    {
        Red = -1,
        Green = 7,
    }

    public static TheoryData<object?, System.Type> Values => new()
    {
        { true, typeof(bool) },
        { int.MinValue, typeof(int) },
        { long.MaxValue, typeof(long) },
        { -1L, typeof(long) },
        { uint.MaxValue, typeof(uint) },
        { ulong.MaxValue, typeof(ulong) },
        { 1.5f, typeof(float) },
        { double.NaN, typeof(double) },
        { -0.25, typeof(double) },
        { "", typeof(string) },
        { "grüße ✓", typeof(string) },
        { null, typeof(string) },
        { Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), typeof(Guid) },
        { new DateTimeOffset(2026, 11, 21, 13, 14, 15, TimeSpan.FromHours(-5)).AddTicks(7), typeof(DateTimeOffset) },
        { TimeSpan.FromTicks(-123456789), typeof(TimeSpan) },
        { Color.Red, typeof(Color) },
        { Color.Green, typeof(Color?) },
        { null, typeof(int?) },
        { 5, typeof(int?) },
        { null, typeof(Timestamp) },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Values_round_trip(object? value, System.Type type) => Assert.Equal(value, RoundTrip(type, value));

    [Fact]
    public void Bytes_round_trip_as_array_and_memory()
    {
        byte[] data = [0, 1, 2, 255];
        Assert.Equal(data, (byte[]?)RoundTrip(typeof(byte[]), data));
        Assert.Null(RoundTrip(typeof(byte[]), null));
        Assert.Equal(data, ((ReadOnlyMemory<byte>)RoundTrip(typeof(ReadOnlyMemory<byte>), new ReadOnlyMemory<byte>(data))!).ToArray());
    }

    [Fact]
    public void Protobuf_messages_round_trip()
    {
        var request = new GrainRequest { Id = 7, GrainType = "echo", GrainKey = "k", Arguments = { ByteString.CopyFromUtf8("x") } };
        Assert.Equal(request, RoundTrip(typeof(GrainRequest), request));
        var time = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(42));
        Assert.Equal(time, RoundTrip(typeof(Timestamp), time));
    }

    [Fact]
    public void Sequences_round_trip_with_their_declared_shape()
    {
        Assert.Equal(new[] { 1L, -2L, 3L }, (long[]?)RoundTrip(typeof(long[]), new[] { 1L, -2L, 3L }));
        Assert.Equal(new List<string?> { "a", null, "c" }, (List<string?>?)RoundTrip(typeof(List<string?>), new List<string?> { "a", null, "c" }));
        object? readOnly = RoundTrip(typeof(IReadOnlyList<Guid>), new[] { Guid.Empty, Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff") });
        Assert.Equal(2, Assert.IsAssignableFrom<IReadOnlyList<Guid>>(readOnly).Count);
        Assert.Empty((int[]?)RoundTrip(typeof(int[]), Array.Empty<int>())!);
        Assert.Null(RoundTrip(typeof(List<int>), null));
        int[][] nested = [[1], [2, 3]];
        Assert.Equal(nested, (int[][]?)RoundTrip(typeof(int[][]), nested));
    }

    [Theory]
    [InlineData(typeof(Stream))]
    [InlineData(typeof(object))]
    [InlineData(typeof(Dictionary<string, int>))]
    [InlineData(typeof(List<Stream>))]
    [InlineData(typeof(decimal))]
    public void Unsupported_types_are_refused_with_the_type_named(System.Type type)
    {
        var error = Assert.Throws<NotSupportedException>(() => ValueCodecs.For(type));
        Assert.Contains(type.FullName!, error.Message);
    }

    [Fact]
    public void Truncated_or_padded_bytes_fail_with_a_codec_error()
    {
        ValueCodec codec = ValueCodecs.For(typeof(string));
        ByteString encoded = ValueCodecs.Encode(codec, "hello world");
        Assert.Throws<GrainCodecException>(() => ValueCodecs.Decode(codec, ByteString.CopyFrom(encoded.Span[..5])));
        Assert.Throws<GrainCodecException>(() => ValueCodecs.Decode(codec, ByteString.CopyFrom([.. encoded.Span, 0])));
    }

    [Fact]
    public void A_forged_sequence_count_fails_without_allocating_it()
    {
        ValueCodec codec = ValueCodecs.For(typeof(long[]));
        var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteBool(true);
            output.WriteInt32(int.MaxValue);
        }

        Assert.Throws<GrainCodecException>(() => ValueCodecs.Decode(codec, ByteString.CopyFrom(buffer.ToArray())));
    }

    [Fact]
    public void Encoding_a_value_of_the_wrong_type_is_refused() =>
        Assert.Throws<GrainCodecException>(() => ValueCodecs.Encode(ValueCodecs.For(typeof(int)), "seven"));

    private static object? RoundTrip(System.Type type, object? value)
    {
        ValueCodec codec = ValueCodecs.For(type);
        return ValueCodecs.Decode(codec, ValueCodecs.Encode(codec, value));
    }
}

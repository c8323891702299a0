using Mnemo.PoolTool;

namespace Mnemo.NativeEngine.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("256MiB", 256UL << 20)]
    [InlineData("1GiB", 1UL << 30)]
    [InlineData("1G", 1UL << 30)]
    [InlineData("1g", 1UL << 30)]
    [InlineData("64K", 64UL << 10)]
    [InlineData("2TiB", 2UL << 40)]
    [InlineData("512MB", 512_000_000UL)]
    [InlineData("10B", 10UL)]
    [InlineData(" 8 MiB ", 8UL << 20)]
    public void Parses_bytes_and_units(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out ulong bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("MiB")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5G")]
    [InlineData("12XB")]
    [InlineData("1 2M")]
    [InlineData("99999999999999999999")]
    [InlineData("20000000TiB")]
    public void Rejects_what_is_not_a_size(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0UL, "0 B")]
    [InlineData(1023UL, "1023 B")]
    [InlineData(1536UL, "1.5 KiB")]
    [InlineData(256UL << 20, "256 MiB")]
    [InlineData(3UL << 30, "3 GiB")]
    public void Formats_in_binary_units(ulong bytes, string expected)
    {
        Assert.Equal(expected, ByteSize.Format(bytes));
    }
}

using Mnemo.Sizes;

namespace Mnemo.NativeEngine.Tests;

/// <summary>The one size parser of the silo and mnemo-pool: Kubernetes quantities (Mi = 2^20, M = 10^6).</summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("256Mi", 256UL << 20)]
    [InlineData("256M", 256_000_000UL)]
    [InlineData("1Gi", 1UL << 30)]
    [InlineData("1G", 1_000_000_000UL)]
    [InlineData("64Ki", 64UL << 10)]
    [InlineData("64k", 64_000UL)]
    [InlineData("2Ti", 2UL << 40)]
    [InlineData("1.5Gi", 3UL << 29)]
    [InlineData("0.5Ki", 512UL)]
    [InlineData("1e6", 1_000_000UL)]
    [InlineData(" 8Mi ", 8UL << 20)]
    [InlineData("0", 0UL)]
    public void Parses_bytes_and_kubernetes_quantities(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out ulong bytes, out string problem), problem);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("Mi", "not a size")]
    [InlineData("abc", "not a size")]
    [InlineData("12XB", "not a size")]
    [InlineData("256MiB", "not a size")]
    [InlineData("1 2M", "not a size")]
    [InlineData("1g", "not a size")]
    [InlineData("-1", "negative")]
    [InlineData("-1Gi", "negative")]
    [InlineData("1.5", "whole number")]
    [InlineData("100m", "whole number")]
    [InlineData("20000000Ei", "too large")]
    [InlineData("99999999999999999999", "too large")]
    public void Rejects_what_is_not_a_byte_count(string text, string problem)
    {
        Assert.False(ByteSize.TryParse(text, out _, out string said));
        Assert.Contains(problem, said);
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

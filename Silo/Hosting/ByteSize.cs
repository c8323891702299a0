using System.Globalization;

namespace Mnemo.Silo;

/// <summary>Sizes written as a byte count with an optional binary suffix: 268435456, 256MiB, 1GiB, 512K.</summary>
public static class ByteSize
{
    public static ulong Parse(string key, string text)
    {
        var span = text.AsSpan().Trim();
        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            digits++;
        ulong? multiplier = span[digits..].ToString().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1UL << 10,
            "M" or "MB" or "MIB" => 1UL << 20,
            "G" or "GB" or "GIB" => 1UL << 30,
            "T" or "TB" or "TIB" => 1UL << 40,
            _ => null,
        };
        if (digits == 0 || multiplier is null || !ulong.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount == 0)
            throw new SiloConfigurationException(key, text, "a size such as 268435456, 256MiB or 1GiB");
        return checked(amount * multiplier.Value);
    }
}

using System.Globalization;

namespace Mnemo.PoolTool;

/// <summary>
/// Sizes as people write them: plain bytes, binary units (K, M, G, T, KiB, MiB, GiB, TiB = powers of
/// 1024) or decimal units (KB, MB, GB, TB = powers of 1000), case-insensitive, e.g. 256MiB, 1G, 4096.
/// </summary>
internal static class ByteSize
{
    private static readonly (string Suffix, ulong Multiplier)[] Units =
    [
        ("KiB", 1UL << 10), ("MiB", 1UL << 20), ("GiB", 1UL << 30), ("TiB", 1UL << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1UL << 10), ("M", 1UL << 20), ("G", 1UL << 30), ("T", 1UL << 40),
        ("B", 1),
    ];

    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string trimmed = text.Trim();
        ulong multiplier = 1;
        foreach ((string suffix, ulong unit) in Units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                multiplier = unit;
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!ulong.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out ulong count) || count > ulong.MaxValue / multiplier)
        {
            return false;
        }
        bytes = count * multiplier;
        return true;
    }

    /// <summary>Short human form in binary units: 268435456 → "256 MiB", 1536 → "1.5 KiB".</summary>
    public static string Format(ulong bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < names.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? $"{bytes} B"
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {names[unit]}");
    }
}

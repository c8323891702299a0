using System.Buffers.Text;

namespace Mnemo.DataPlane;

/// <summary>
/// Number parsing with memcached's rules (safe_strtoul, safe_strtol, safe_strtoflags): the whole
/// token must be a number; unsigned fields refuse a minus sign; flags accept any 64-bit unsigned
/// value and keep its low 32 bits, as memcached 1.6 does on 64-bit hosts.
/// </summary>
internal static class AsciiNumbers
{
    public static bool TryParseUInt64(ReadOnlySpan<byte> token, out ulong value) =>
        Utf8Parser.TryParse(token, out value, out int consumed) && consumed == token.Length && token.Length > 0;

    public static bool TryParseInt32(ReadOnlySpan<byte> token, out int value) =>
        Utf8Parser.TryParse(token, out value, out int consumed) && consumed == token.Length && token.Length > 0;

    public static bool TryParseInt64(ReadOnlySpan<byte> token, out long value) =>
        Utf8Parser.TryParse(token, out value, out int consumed) && consumed == token.Length && token.Length > 0;

    public static bool TryParseFlags(ReadOnlySpan<byte> token, out uint flags)
    {
        bool ok = TryParseUInt64(token, out ulong wide);
        flags = unchecked((uint)wide);
        return ok;
    }
}

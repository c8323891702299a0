using System.Text.RegularExpressions;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// Makes replies of two servers comparable: CAS uniques differ between servers, so each distinct
/// CAS value is replaced by the order in which it was first seen on that connection. Equal CAS
/// values stay equal and different ones stay different, which is all a client may rely on.
/// </summary>
public sealed partial class ReplyNormalizer
{
    private readonly Dictionary<string, int> _ordinals = [];

    public string Normalize(string reply)
    {
        reply = ValueLineCas().Replace(reply, m => m.Groups["head"].Value + Ordinal(m.Groups["cas"].Value));
        return MetaCas().Replace(reply, m => m.Groups["head"].Value + Ordinal(m.Groups["cas"].Value));
    }

    /// <summary>The CAS of the first <c>VALUE key flags bytes cas</c> line in a gets reply.</summary>
    public static string? CasOf(string getsReply)
    {
        Match match = ValueLineCas().Match(getsReply);
        return match.Success ? match.Groups["cas"].Value : null;
    }

    private string Ordinal(string cas)
    {
        if (!_ordinals.TryGetValue(cas, out int ordinal))
        {
            ordinal = _ordinals.Count + 1;
            _ordinals[cas] = ordinal;
        }
        return "#" + ordinal;
    }

    [GeneratedRegex(@"(?<head>^VALUE \S+ \d+ \d+ )(?<cas>\d+)(?=\r\n)", RegexOptions.Multiline)]
    private static partial Regex ValueLineCas();

    [GeneratedRegex(@"(?<head>^(HD|VA|EX|NF|NS|EN)\b[^\r\n]*? c)(?<cas>\d+)", RegexOptions.Multiline)]
    private static partial Regex MetaCas();
}

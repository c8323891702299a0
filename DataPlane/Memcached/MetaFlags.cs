namespace Mnemo.DataPlane;

/// <summary>
/// The flags of one meta command (<c>mg k v t O123 ...</c>): which single-letter flags are present
/// and where their arguments are in the command line (ranges of it, so they outlive a wait for the store).
/// </summary>
internal struct MetaFlags
{
    private ulong _present;

    public Range Cas;        // C
    public Range Delta;      // D
    public Range NewCas;     // E
    public Range ClientFlags; // F
    public Range Initial;    // J
    public Range Mode;       // M
    public Range Vivify;     // N
    public Range Opaque;     // O
    public Range Recache;    // R
    public Range Ttl;        // T
    public Range ReturnTtl;  // t (no argument: only its place matters)

    /// <summary>What went wrong while reading the flags.</summary>
    public enum Problem
    {
        None,
        Invalid,
        Duplicate,
        OpaqueTooLong,
    }

    /// <summary>memcached refuses opaque tokens longer than this (flag letter included).</summary>
    private const int MaxOpaqueToken = 32;

    public readonly bool Has(char flag) => (_present & Bit(flag)) != 0;

    /// <summary>
    /// True when both flags are present and <paramref name="first"/> was written before <paramref name="second"/>: memcached's
    /// mg applies its flags in the order written. Defined for N, R, T and t.
    /// </summary>
    public readonly bool Before(char first, char second) => Has(first) && Has(second) && Place(first) < Place(second);

    private readonly int Place(char flag) => flag switch
    {
        'N' => Vivify.Start.Value,
        'R' => Recache.Start.Value,
        'T' => Ttl.Start.Value,
        't' => ReturnTtl.Start.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(flag), flag, "only N, R, T and t have an order that matters"),
    };

    /// <summary>Reads flag tokens <paramref name="tokens"/>, each allowed only if listed in <paramref name="allowed"/>.</summary>
    public static Problem Parse(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, string allowed, out MetaFlags flags)
    {
        flags = default;
        foreach (Range token in tokens)
        {
            ReadOnlySpan<byte> text = line[token];
            char flag = (char)text[0];
            if (allowed.IndexOf(flag) < 0)
            {
                return Problem.Invalid;
            }
            ulong bit = Bit(flag);
            if ((flags._present & bit) != 0)
            {
                return Problem.Duplicate;
            }
            flags._present |= bit;
            Range argument = new(token.Start.Value + 1, token.End);
            switch (flag)
            {
                case 'C': flags.Cas = argument; break;
                case 'D': flags.Delta = argument; break;
                case 'E': flags.NewCas = argument; break;
                case 'F': flags.ClientFlags = argument; break;
                case 'J': flags.Initial = argument; break;
                case 'M': flags.Mode = argument; break;
                case 'N': flags.Vivify = argument; break;
                case 'O':
                    if (text.Length > MaxOpaqueToken)
                    {
                        return Problem.OpaqueTooLong;
                    }
                    flags.Opaque = argument;
                    break;
                case 'R': flags.Recache = argument; break;
                case 'T': flags.Ttl = argument; break;
                case 't': flags.ReturnTtl = argument; break;
            }
        }
        return Problem.None;
    }

    private static ulong Bit(char flag) => flag is >= 'A' and <= 'z' ? 1UL << (flag - 'A') : 0;
}

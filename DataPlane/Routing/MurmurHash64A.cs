using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// Austin Appleby's MurmurHash2, 64-bit variant A, exactly as mcrouter uses it under furc_hash
/// (little-endian 8-byte blocks, tail bytes folded in falling order).
/// </summary>
public static class MurmurHash64A
{
    private const ulong M = 0xc6a4a7935bd1e995UL;
    private const int R = 47;

    public static ulong Hash(ReadOnlySpan<byte> data, uint seed)
    {
        ulong h = seed ^ ((ulong)data.Length * M);

        int blocks = data.Length & ~7;
        for (int i = 0; i < blocks; i += 8)
        {
            h ^= Mix(BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8)));
            h *= M;
        }

        int tail = data.Length & 7;
        if (tail != 0)
        {
            ReadOnlySpan<byte> rest = data.Slice(blocks);
            for (int i = tail - 1; i >= 0; i--)
            {
                h ^= (ulong)rest[i] << (8 * i);
            }
            h *= M;
        }

        return Finish(h);
    }

    /// <summary>The hash of one 64-bit word: the rehash step furc_hash uses to draw more bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashWord(ulong word, uint seed)
    {
        ulong h = seed ^ unchecked(8UL * M);
        h ^= Mix(word);
        h *= M;
        return Finish(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong k)
    {
        k *= M;
        k ^= k >> R;
        return k * M;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Finish(ulong h)
    {
        h ^= h >> R;
        h *= M;
        return h ^ (h >> R);
    }
}

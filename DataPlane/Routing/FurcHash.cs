using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// mcrouter's Ch3 consistent hash (furc_hash): a binary decision tree walked with pseudorandom bits
/// drawn from MurmurHash64A of the key and its repeated rehashes. Bit-compatible with mcrouter, so a
/// key lands on the same shard index it would under an mcrouter Ch3 pool of the same size; growing
/// the pool from m to m+1 moves only about 1/(m+1) of the keys.
/// </summary>
public static class FurcHash
{
    public const uint Seed = 4193360111u;
    private const int MaxTries = 32;
    private const int FurcShift = 23;

    /// <summary>The largest pool size furc_hash supports (2^23).</summary>
    public const uint MaxPoolSize = 1u << FurcShift;

    // Bits are read at indexes below d + MaxTries * d * FurcShift (d ≤ 23), i.e. fewer than
    // 17,000 bits: 266 words of 64 bits.
    private const int WordCacheSize = 272;

    [SkipLocalsInit]
    public static uint Hash(ReadOnlySpan<byte> key, uint poolSize)
    {
        if (poolSize > MaxPoolSize)
        {
            throw new ArgumentOutOfRangeException(nameof(poolSize), poolSize, $"Ch3 supports at most {MaxPoolSize} shards.");
        }
        if (poolSize <= 1)
        {
            return 0;
        }

        var bits = new BitStream(key, stackalloc ulong[WordCacheSize]);

        int depth = 0;
        while (poolSize > (1UL << depth))
        {
            depth++;
        }

        int index = depth;
        for (int attempt = 0; attempt < MaxTries; attempt++)
        {
            // Descend until a set bit picks the subtree of height `depth`.
            while (bits.Get(index) == 0)
            {
                if (--depth == 0)
                {
                    return 0;
                }
                index = depth;
            }
            index += FurcShift;

            uint candidate = 1;
            for (int i = 0; i < depth - 1; i++)
            {
                candidate = (candidate << 1) | bits.Get(index);
                index += FurcShift;
            }
            if (candidate < poolSize)
            {
                return candidate;
            }
        }

        // mcrouter gives up after MaxTries and answers 0, a valid shard for every pool size.
        return 0;
    }

    /// <summary>Lazily computed pseudorandom bits: word 0 hashes the key, word n rehashes word n-1.</summary>
    private ref struct BitStream
    {
        private readonly ReadOnlySpan<byte> _key;
        private readonly Span<ulong> _words;
        private int _filled;

        public BitStream(ReadOnlySpan<byte> key, Span<ulong> words)
        {
            _key = key;
            _words = words;
            _filled = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Get(int bitIndex)
        {
            int word = bitIndex >> 6;
            while (_filled <= word)
            {
                _words[_filled] = _filled == 0
                    ? MurmurHash64A.Hash(_key, Seed)
                    : MurmurHash64A.HashWord(_words[_filled - 1], Seed);
                _filled++;
            }
            return (uint)(_words[word] >> (bitIndex & 63)) & 1u;
        }
    }
}

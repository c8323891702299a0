using System.Buffers.Binary;
using System.Numerics;

namespace Mnemo.DataPlane;

/// <summary>MurmurHash3 x86_32 (Austin Appleby's reference algorithm). Used wherever a hash must be
/// identical in every process and every version, which <c>string.GetHashCode()</c> is not.</summary>
public static class MurmurHash3
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    public static uint Hash32(ReadOnlySpan<byte> data, uint seed = 0)
    {
        uint h = seed;
        int blocks = data.Length / 4;
        for (int i = 0; i < blocks; i++)
        {
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= C1;
            k = BitOperations.RotateLeft(k, 15);
            k *= C2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }

        ReadOnlySpan<byte> tail = data[(blocks * 4)..];
        uint t = 0;
        switch (tail.Length)
        {
            case 3:
                t ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                t ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                t ^= tail[0];
                t *= C1;
                t = BitOperations.RotateLeft(t, 15);
                t *= C2;
                h ^= t;
                break;
        }

        h ^= (uint)data.Length;
        return Mix32(h);
    }

    /// <summary>The 32-bit finalizer: every input bit affects every output bit.</summary>
    public static uint Mix32(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>The 64-bit finalizer (fmix64 of MurmurHash3 x64).</summary>
    public static ulong Mix64(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}

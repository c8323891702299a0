using System.Text;
using Mnemo.Runtime;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>Rendezvous (highest-random-weight) hashing: every silo gets a pseudo-random weight per
/// grain and the heaviest wins. When a silo joins it takes only the grains it now outweighs (≈1/N);
/// when one leaves only its own grains move. A silo's weight uses its endpoint, not its generation, so
/// a restarted silo gets its grains back.</summary>
public static class RendezvousHash
{
    public static ulong SiloHash(SiloAddress silo)
    {
        byte[] endpoint = Encoding.UTF8.GetBytes(silo.Endpoint);
        return ((ulong)MurmurHash3.Hash32(endpoint, seed: 0x9747b28c) << 32) | MurmurHash3.Hash32(endpoint, seed: 0x5bd1e995);
    }

    public static ulong Weight(uint grainHash, ulong siloHash) =>
        MurmurHash3.Mix64(siloHash ^ (grainHash * 0x9E3779B97F4A7C15UL));

    /// <summary>Index of the winning silo in <paramref name="siloHashes"/>, or -1 when empty.</summary>
    public static int Pick(uint grainHash, ReadOnlySpan<ulong> siloHashes)
    {
        int best = -1;
        ulong bestWeight = 0;
        for (int i = 0; i < siloHashes.Length; i++)
        {
            ulong weight = Weight(grainHash, siloHashes[i]);
            if (best < 0 || weight > bestWeight)
            {
                best = i;
                bestWeight = weight;
            }
        }

        return best;
    }
}

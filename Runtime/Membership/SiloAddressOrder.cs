using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Membership;

/// <summary>The stable order of silos: host, port (numerically), then generation. Membership lists
/// and the default leader rule use it, so every process sorts the same way.</summary>
public sealed class SiloAddressOrder : IComparer<SiloAddress>
{
    public static readonly SiloAddressOrder Instance = new();

    public int Compare(SiloAddress? x, SiloAddress? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int order = string.CompareOrdinal(x.Host, y.Host);
        if (order == 0)
        {
            order = x.Port.CompareTo(y.Port);
        }

        return order != 0 ? order : x.Generation.CompareTo(y.Generation);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Orleans.Runtime;

namespace Mnemo.Kubernetes;

/// <summary>
/// Turns Orleans identifiers into Kubernetes object names and label values. Anything that had to be
/// changed gets a hash suffix of the original, so two ClusterIds that sanitise alike stay distinct.
/// </summary>
public static class ResourceNames
{
    private const int MaxLabelLength = 63;

    /// <summary>A DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters) for <paramref name="value"/>.</summary>
    public static string ToDnsLabel(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            var lower = char.ToLowerInvariant(c);
            var ok = lower is >= 'a' and <= 'z' or >= '0' and <= '9';
            if (ok) sb.Append(lower);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }

        var cleaned = sb.ToString().Trim('-');
        if (cleaned.Length > 0 && cleaned == value && cleaned.Length <= MaxLabelLength) return cleaned;

        // Changed or too long: keep a readable prefix and make it unique with a hash of the original.
        var hash = ShortHash(value);
        var room = MaxLabelLength - hash.Length - 1;
        var prefix = cleaned.Length > room ? cleaned[..room].TrimEnd('-') : cleaned;
        return prefix.Length == 0 ? "x" + hash : prefix + "-" + hash;
    }

    /// <summary>True if <paramref name="value"/> can be used verbatim as a label value.</summary>
    public static bool IsLabelValue(string? value)
    {
        if (value is null) return false;
        if (value.Length == 0) return true;
        if (value.Length > MaxLabelLength) return false;
        if (!char.IsAsciiLetterOrDigit(value[0]) || !char.IsAsciiLetterOrDigit(value[^1])) return false;
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')) return false;
        }

        return true;
    }

    /// <summary>The value itself if it is label-safe, otherwise its DNS label form.</summary>
    public static string ToLabelValue(string value) => IsLabelValue(value) ? value : ToDnsLabel(value);

    /// <summary>Name of the ClusterVersion object of <paramref name="clusterId"/>.</summary>
    public static string ClusterVersionName(string clusterId) => ToDnsLabel(clusterId);

    /// <summary>Name of the Silo object of one silo incarnation: cluster, address, port, generation.</summary>
    public static string SiloName(string clusterId, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var ep = silo.Endpoint;
        var address = ep.Address.AddressFamily == AddressFamily.InterNetworkV6 && ep.Address.IsIPv4MappedToIPv6
            ? ep.Address.MapToIPv4()
            : ep.Address;
        var addressPart = address.ToString().Replace('.', '-').Replace(':', '-').Replace('%', '-').ToLowerInvariant();
        var generation = silo.Generation < 0
            ? "m" + (-(long)silo.Generation).ToString(CultureInfo.InvariantCulture)
            : silo.Generation.ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"{ClusterVersionName(clusterId)}-{addressPart}-{ep.Port}-{generation}");
    }

    /// <summary>"ip:port", with brackets for IPv6, for display.</summary>
    public static string Endpoint(IPEndPoint endpoint) => endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{endpoint.Address}]:{endpoint.Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{endpoint.Address}:{endpoint.Port}");

    private static string ShortHash(string value)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        return Convert.ToHexStringLower(bytes, 0, 4);
    }
}

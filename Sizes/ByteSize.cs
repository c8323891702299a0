using System.Globalization;
using k8s.Models;

namespace Mnemo.Sizes;

/// <summary>
/// Byte counts written as Kubernetes quantities, the way a pod's memory request is: plain bytes
/// (268435456), binary suffixes Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), decimal suffixes k, M, G,
/// T, P, E (powers of 1000), exponents (1e9) and decimals that come to whole bytes (1.5Gi). So
/// <c>256Mi</c> is 268435456 bytes and <c>256M</c> is 256000000. The grammar is apimachinery's, through
/// KubernetesClient's <see cref="ResourceQuantity"/>; this adds what a byte count also needs.
/// </summary>
public static class ByteSize
{
    /// <summary>What a setting's help text says a size is.</summary>
    public const string Expected = "a byte count or a Kubernetes quantity such as 268435456, 256Mi, 1Gi, 1.5Gi or 512M (Mi = 2^20, M = 10^6)";

    /// <summary>
    /// Reads <paramref name="text"/> as a non-negative whole number of bytes. False with
    /// <paramref name="problem"/> saying what is wrong (empty, not a quantity, negative, fractional, too large).
    /// </summary>
    public static bool TryParse(string? text, out ulong bytes, out string problem)
    {
        bytes = 0;
        string trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            problem = "is empty";
            return false;
        }
        decimal value;
        try
        {
            value = new ResourceQuantity(trimmed).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            problem = "is not a size (unknown suffix or not a number)";
            return false;
        }
        if (value < 0)
        {
            problem = "is negative";
            return false;
        }
        if (decimal.Truncate(value) != value)
        {
            problem = $"is not a whole number of bytes ({value.ToString(CultureInfo.InvariantCulture)})";
            return false;
        }
        // apimachinery caps a quantity at 2^63-1 rather than fail, so the cap itself means "more than that".
        if (value >= long.MaxValue)
        {
            problem = "is too large";
            return false;
        }
        bytes = (ulong)value;
        problem = string.Empty;
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

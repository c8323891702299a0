using System.Security.Cryptography.X509Certificates;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>
/// Whether a peer's certificate was issued by one of the cluster's authorities: the chain is built
/// against those alone, never the machine's trust store, so a certificate from any other CA (a
/// public one included) is refused. Several authorities are trusted at once while a CA is replaced.
/// Peers dial each other by address, so names are not checked here (the data plane checks the
/// claimed node name against the certificate itself).
/// </summary>
public static class ClusterTrust
{
    /// <summary>Null when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> and is valid at <paramref name="now"/>; else why not.</summary>
    public static string? Verify(X509Certificate2 certificate, X509Certificate2Collection authorities, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (chain.Build(certificate))
            return null;
        string problems = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"certificate '{certificate.Subject}' (issuer '{certificate.Issuer}') is not valid under the cluster CA: {problems}";
    }
}

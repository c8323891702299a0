using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>Where a CA rotation stands, read from the <c>mnemo-ca</c> Secret alone.</summary>
public enum AuthorityRotationStep
{
    /// <summary>One CA: it signs and it is the only one trusted.</summary>
    Stable,

    /// <summary>A new CA waits in <c>next.crt</c>; both are trusted, the old one still signs.</summary>
    Trusting,

    /// <summary>The new CA signs; the old one is still trusted while the nodes re-issue their certificates.</summary>
    Reissuing,
}

/// <summary>
/// The <c>mnemo-ca</c> Secret: the CA that signs node certificates (<c>tls.crt</c>, <c>tls.key</c>) with
/// the authorities every node trusts (<c>ca.crt</c>), in <see cref="Signing"/>; during a rotation's first
/// step the CA that replaces it (<c>next.crt</c>, <c>next.key</c>); and whether an operator asked for a
/// rotation (the annotation <see cref="RotateAnnotation"/>).
/// <para>
/// A rotation overlaps the two CAs, as cert-manager and kubeadm do: the new CA joins the trust bundle
/// first, signs once every node trusts it, and the old CA leaves the bundle once every node's
/// certificate is from the new one. <see cref="Advance"/> takes one step, from what the Secrets hold
/// alone, so a silo that dies between steps leaves a state any silo's next check continues from.
/// </para>
/// </summary>
public sealed record ClusterAuthority(TlsSecret Signing, string? NextCertificatePem = null, string? NextKeyPem = null, bool RotationRequested = false)
{
    public const string NextCertificateKey = "next.crt";
    public const string NextKeyKey = "next.key";

    /// <summary>Set (to any value) on the <c>mnemo-ca</c> Secret to rotate the CA now; removed when the rotation starts.</summary>
    public const string RotateAnnotation = "mnemo.dev/rotate-ca";

    private const string CommonName = "mnemo-ca";

    public AuthorityRotationStep Step =>
        NextCertificatePem is not null ? AuthorityRotationStep.Trusting
        : Signing.AuthoritiesPem == Signing.CertificatePem ? AuthorityRotationStep.Stable
        : AuthorityRotationStep.Reissuing;

    /// <summary>A new cluster's CA, self-signed and trusted alone.</summary>
    public static ClusterAuthority Create(DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        using X509Certificate2 authority = CertificateIssuer.CreateAuthority(CommonName, now, lifetimes.Authority);
        return new ClusterAuthority(TlsSecret.From(authority, authority.ExportCertificatePem()));
    }

    /// <summary>
    /// The Secret's next state, or null while it stays as it is:
    /// <list type="bullet">
    /// <item><see cref="AuthorityRotationStep.Stable"/>: when the CA expires within <see cref="CertificateLifetimes.AuthorityRenewBefore"/>
    /// or a rotation was asked for, a new CA is created and the bundle holds both (<see cref="AuthorityRotationStep.Trusting"/>).</item>
    /// <item><see cref="AuthorityRotationStep.Trusting"/>: when every node trusts the bundle (or the overlap has passed since the
    /// new CA was created), the new CA signs (<see cref="AuthorityRotationStep.Reissuing"/>).</item>
    /// <item><see cref="AuthorityRotationStep.Reissuing"/>: when every node's certificate is from the signing CA (or twice the overlap
    /// has passed since it was created), the bundle holds it alone (<see cref="AuthorityRotationStep.Stable"/>).</item>
    /// </list>
    /// <paramref name="nodes"/> are the node Secrets; those whose certificate has expired belong to no node that can connect and are not waited for.
    /// </summary>
    public ClusterAuthority? Advance(IReadOnlyCollection<TlsSecret> nodes, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        switch (Step)
        {
            case AuthorityRotationStep.Stable:
            {
                using X509Certificate2 signing = X509Certificate2.CreateFromPem(Signing.CertificatePem);
                if (!RotationRequested && signing.NotAfter.ToUniversalTime() - now.UtcDateTime > lifetimes.AuthorityRenewBefore)
                    return null;
                using X509Certificate2 next = CertificateIssuer.CreateAuthority(CommonName, now, lifetimes.Authority);
                TlsSecret created = TlsSecret.From(next, "");
                return new ClusterAuthority(Signing with { AuthoritiesPem = Bundle(Signing.CertificatePem, created.CertificatePem) },
                    created.CertificatePem, created.KeyPem);
            }
            case AuthorityRotationStep.Trusting:
            {
                if (!LiveNodes(nodes, now).All(n => n.AuthoritiesPem == Signing.AuthoritiesPem) && now < CreatedAt(NextCertificatePem!) + lifetimes.AuthorityOverlap)
                    return null;
                return this with { Signing = new TlsSecret(NextCertificatePem!, NextKeyPem!, Signing.AuthoritiesPem), NextCertificatePem = null, NextKeyPem = null };
            }
            default:
            {
                if (!LiveNodes(nodes, now).All(n => IsIssuedBySigning(n, now)) && now < CreatedAt(Signing.CertificatePem) + 2 * lifetimes.AuthorityOverlap)
                    return null;
                return this with { Signing = Signing with { AuthoritiesPem = Signing.CertificatePem } };
            }
        }
    }

    /// <summary>Null when <paramref name="certificate"/> is issued by the signing CA (not only by a CA of the bundle) and valid at <paramref name="now"/>; else why not.</summary>
    public string? VerifyIssuedBySigning(X509Certificate2 certificate, DateTimeOffset now)
    {
        using X509Certificate2 signing = X509Certificate2.CreateFromPem(Signing.CertificatePem);
        return ClusterTrust.Verify(certificate, [signing], now);
    }

    /// <exception cref="InvalidDataException">A key is missing.</exception>
    public static ClusterAuthority FromSecret(V1Secret secret)
    {
        string? Optional(string key) => secret.Data is { } data && data.TryGetValue(key, out byte[]? bytes) && bytes.Length > 0 ? Encoding.ASCII.GetString(bytes) : null;
        string? nextCertificate = Optional(NextCertificateKey), nextKey = Optional(NextKeyKey);
        if ((nextCertificate is null) != (nextKey is null))
            throw new InvalidDataException($"Secret '{secret.Metadata?.Name}' has one of '{NextCertificateKey}' and '{NextKeyKey}' without the other");
        return new ClusterAuthority(TlsSecret.FromSecret(secret), nextCertificate, nextKey,
            secret.Metadata?.Annotations?.ContainsKey(RotateAnnotation) ?? false);
    }

    /// <summary>
    /// <paramref name="stored"/> (its name, labels, other annotations and resourceVersion, so the replace is
    /// conditional) holding this state.
    /// </summary>
    public V1Secret ToSecret(V1Secret stored)
    {
        V1Secret secret = Signing.ToSecret(stored.Metadata.Name, stored.Metadata.NamespaceProperty, stored.Metadata.Labels);
        secret.Metadata.ResourceVersion = stored.Metadata.ResourceVersion;
        if (stored.Metadata.Annotations is { } annotations)
            secret.Metadata.Annotations = annotations.Where(a => a.Key != RotateAnnotation || RotationRequested).ToDictionary();
        if (NextCertificatePem is not null)
        {
            secret.Data[NextCertificateKey] = Encoding.ASCII.GetBytes(NextCertificatePem);
            secret.Data[NextKeyKey] = Encoding.ASCII.GetBytes(NextKeyPem!);
        }
        return secret;
    }

    private static string Bundle(string first, string second) => first.TrimEnd() + "\n" + second;

    private static IEnumerable<TlsSecret> LiveNodes(IEnumerable<TlsSecret> nodes, DateTimeOffset now) => nodes.Where(n =>
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(n.CertificatePem);
        return certificate.NotAfter.ToUniversalTime() > now.UtcDateTime;
    });

    private bool IsIssuedBySigning(TlsSecret node, DateTimeOffset now)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(node.CertificatePem);
        return VerifyIssuedBySigning(certificate, now) is null;
    }

    // A CA's validity starts ClockSkew before it was created.
    private static DateTimeOffset CreatedAt(string authorityPem)
    {
        using X509Certificate2 authority = X509Certificate2.CreateFromPem(authorityPem);
        return new DateTimeOffset(authority.NotBefore.ToUniversalTime()) + CertificateIssuer.ClockSkew;
    }
}

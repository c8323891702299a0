using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>
/// Creates the cluster's certificate authority and the certificates it signs, as PMEM-CSI's operator
/// does when no certificates are provided: a self-signed CA with an RSA-3072 key, and per-node
/// certificates valid for both ends of a mutual-TLS connection (server and client authentication),
/// named for the node and loopback. Node keys are ECDSA P-256: cheap to create on every renewal and
/// to handshake with, and any TLS 1.2/1.3 stack accepts them under an RSA CA.
/// </summary>
public static class CertificateIssuer
{
    public const int AuthorityKeySize = 3072;

    /// <summary>Issued certificates start this much before "now", so a peer whose clock is slightly behind accepts them.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A self-signed CA certificate (with its private key) named <paramref name="commonName"/>.</summary>
    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset now, TimeSpan validity)
    {
        using RSA key = RSA.Create(AuthorityKeySize);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - ClockSkew, now + validity);
    }

    /// <summary>
    /// A certificate for <paramref name="nodeName"/> signed by <paramref name="authority"/>, with its
    /// private key. Its names: the node name, <c>localhost</c>, 127.0.0.1, ::1 and <paramref name="hosts"/>
    /// (IP addresses or DNS names). It never outlives the authority.
    /// </summary>
    public static X509Certificate2 IssueNode(X509Certificate2 authority, string nodeName, IEnumerable<string> hosts, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={nodeName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication), new Oid(ClientAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(SubjectNames(nodeName, hosts));

        DateTimeOffset notAfter = now + validity;
        if (notAfter > authority.NotAfter)
            notAfter = authority.NotAfter;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using RSA authorityKey = authority.GetRSAPrivateKey() ?? throw new ArgumentException("the authority has no RSA private key", nameof(authority));
        // The node key is ECDSA and the CA's RSA: the signature is the CA's, made explicitly.
        X509SignatureGenerator signer = X509SignatureGenerator.CreateForRSA(authorityKey, RSASignaturePadding.Pkcs1);
        using X509Certificate2 issued = request.Create(authority.SubjectName, signer, now - ClockSkew, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Extension SubjectNames(string nodeName, IEnumerable<string> hosts)
    {
        var names = new SubjectAlternativeNameBuilder();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string host in new[] { nodeName, "localhost", IPAddress.Loopback.ToString(), IPAddress.IPv6Loopback.ToString() }.Concat(hosts))
        {
            if (string.IsNullOrEmpty(host) || !seen.Add(host))
                continue;
            if (IPAddress.TryParse(host, out IPAddress? address))
                names.AddIpAddress(address);
            else
                names.AddDnsName(host);
        }
        return names.Build();
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>
/// A <c>kubernetes.io/tls</c> Secret as Mnemo keeps its certificates: <c>tls.crt</c> and <c>tls.key</c>
/// (PEM: the certificate and its PKCS#8 key) and <c>ca.crt</c> (the PEM certificates of the
/// authorities to trust, one or more).
/// </summary>
public sealed record TlsSecret(string CertificatePem, string KeyPem, string AuthoritiesPem)
{
    public const string Type = "kubernetes.io/tls";
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";
    public const string AuthoritiesKey = "ca.crt";

    public static TlsSecret From(X509Certificate2 certificate, string authoritiesPem) =>
        new(certificate.ExportCertificatePem(), ExportKeyPem(certificate), authoritiesPem);

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPem(CertificatePem, KeyPem);

    public X509Certificate2Collection LoadAuthorities()
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(AuthoritiesPem);
        return authorities;
    }

    public V1Secret ToSecret(string name, string @namespace, IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = labels },
        Type = Type,
        Data = new Dictionary<string, byte[]>
        {
            [CertificateKey] = Encoding.ASCII.GetBytes(CertificatePem),
            [PrivateKeyKey] = Encoding.ASCII.GetBytes(KeyPem),
            [AuthoritiesKey] = Encoding.ASCII.GetBytes(AuthoritiesPem),
        },
    };

    /// <exception cref="InvalidDataException">A key is missing.</exception>
    public static TlsSecret FromSecret(V1Secret secret)
    {
        string Read(string key) => secret.Data is { } data && data.TryGetValue(key, out byte[]? bytes) && bytes.Length > 0
            ? Encoding.ASCII.GetString(bytes)
            : throw new InvalidDataException($"Secret '{secret.Metadata?.Name}' has no '{key}'");
        return new TlsSecret(Read(CertificateKey), Read(PrivateKeyKey), Read(AuthoritiesKey));
    }

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("the certificate has no private key", nameof(certificate));
        return key.ExportPkcs8PrivateKeyPem();
    }
}

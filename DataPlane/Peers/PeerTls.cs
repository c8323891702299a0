using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Mnemo.DataPlane;

/// <summary>
/// Mutual TLS on the data plane: both ends present the certificate <see cref="LocalCertificate"/>
/// returns at the time of the handshake (so a renewed certificate is used by the next connection
/// while open ones keep theirs), and each accepts the other's only if <paramref name="verifyRemote"/>
/// does (a silo verifies it against the cluster's CA, not the machine's trust store). The server
/// also requires the certificate to name the node the peer claims in its hello.
/// </summary>
/// <param name="localCertificate">This node's certificate, with its private key.</param>
/// <param name="verifyRemote">Null when the peer's certificate is acceptable; else why not (logged by the server).</param>
public sealed class PeerTls(Func<X509Certificate2> localCertificate, Func<X509Certificate2, string?> verifyRemote)
{
    /// <summary>The name clients ask for: peers dial by address, and the CA check, not the name, decides.</summary>
    private const string TargetHost = "mnemo-data-plane";

    public X509Certificate2 LocalCertificate => localCertificate();

    internal SslServerAuthenticationOptions ServerOptions(TlsRefusal refusal) => new()
    {
        ServerCertificate = localCertificate(),
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(certificate, refusal),
    };

    internal SslClientAuthenticationOptions ClientOptions(TlsRefusal refusal)
    {
        X509Certificate2 local = localCertificate();
        return new SslClientAuthenticationOptions
        {
            TargetHost = TargetHost,
            ClientCertificates = [local],
            LocalCertificateSelectionCallback = (_, _, _, _, _) => local,
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(certificate, refusal),
        };
    }

    // The platform's policy errors are ignored on purpose: they judge against the machine's trust store and the dialled name.
    private bool Accept(X509Certificate? certificate, TlsRefusal refusal)
    {
        refusal.Reason = certificate is X509Certificate2 presented ? verifyRemote(presented) : "no certificate presented";
        return refusal.Reason is null;
    }
}

/// <summary>Why one handshake refused the other end's certificate, for the log line that says so.</summary>
internal sealed class TlsRefusal
{
    public string? Reason { get; set; }
}

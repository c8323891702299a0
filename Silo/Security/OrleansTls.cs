using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Mnemo.Silo;

/// <summary>
/// Mutual TLS on the Orleans silo port (Microsoft.Orleans.Connections.Security): both ends present the
/// node certificate current at the handshake and accept only certificates of the cluster's CA (never
/// the machine's trust store). The gateway port is left to clients as it was: the CLI and SDK connect
/// without a certificate (see Silo/README.md).
/// </summary>
public static class OrleansTls
{
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<NodeCredentials>((connections, credentials) =>
        {
            TlsOptions Options(RemoteCertificateMode clientCertificate) => new()
            {
                LocalServerCertificateSelector = (_, _) => credentials.Certificate,
                LocalClientCertificateSelector = (_, _, _, _, _) => credentials.Certificate,
                RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
                ClientCertificateMode = clientCertificate,
                // Policy errors judge the machine's trust store and the dialled name; the cluster CA decides instead.
                RemoteCertificateValidation = (certificate, _, _) => credentials.Verify(certificate, "Orleans silo port") is null,
            };
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(Options(RemoteCertificateMode.RequireCertificate)));
            // "Allow" only because Orleans checks the fixed LocalCertificate, which the selector replaces (the server requires one).
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(Options(RemoteCertificateMode.AllowCertificate)));
        });
        return silo;
    }
}

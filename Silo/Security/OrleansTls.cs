using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Mnemo.Silo;

/// <summary>
/// Mutual TLS on the Orleans ports (Microsoft.Orleans.Connections.Security). On the silo port both
/// ends present the node certificate current at the handshake and accept only certificates of the
/// cluster's CA(s), never the machine's trust store; names are not checked because silos dial each
/// other by address.
/// </summary>
public static class OrleansTls
{
    /// <summary>
    /// The TLS services; call before <c>UseOrleans</c> and after the <see cref="NodeCredentials"/> hosted
    /// service, so that <see cref="Warmup"/> runs between them.
    /// </summary>
    public static IServiceCollection AddClusterTls(this IServiceCollection services)
    {
        services.AddSingleton<ServerCertificateContexts>();
        return services.AddHostedService<Warmup>();
    }

    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<NodeCredentials, ServerCertificateContexts>((connections, credentials, contexts) =>
        {
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(ServerOptions(credentials, contexts, "Orleans silo port")));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(ClientOptions(credentials)));
        });
        return silo;
    }

    private static TlsOptions ServerOptions(NodeCredentials credentials, ServerCertificateContexts contexts, string port) => new()
    {
        // Required by the middleware; the handshake takes the context below instead.
        LocalServerCertificateSelector = (_, _) => credentials.Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, _, _) => credentials.Verify(certificate, port) is null,
        // A selected certificate makes SslStream build its chain (online) on every handshake; a context
        // built once per certificate, offline, does not, and still follows a renewal.
        OnAuthenticateAsServer = (_, options) =>
        {
            var server = (SslServerAuthenticationOptions)options.SslServerAuthenticationOptions;
            server.ServerCertificateSelectionCallback = null;
            server.ServerCertificateContext = contexts.For(credentials.Certificate);
        },
    };

    private static TlsOptions ClientOptions(NodeCredentials credentials) => new()
    {
        LocalClientCertificateSelector = (_, _, _, _, _) => credentials.Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        // "Allow": the middleware would check a fixed LocalCertificate, which the selector replaces.
        ClientCertificateMode = RemoteCertificateMode.AllowCertificate,
        RemoteCertificateValidation = (certificate, _, _) => credentials.Verify(certificate, "Orleans silo port") is null,
    };

    /// <summary>The server context of the node's current certificate, made again only when the certificate changes.</summary>
    internal sealed class ServerCertificateContexts
    {
        private volatile Entry? _current;

        public SslStreamCertificateContext For(X509Certificate2 certificate)
        {
            if (_current is { } current && ReferenceEquals(current.Certificate, certificate))
                return current.Context;
            var made = new Entry(certificate, SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true));
            _current = made;
            return made.Context;
        }

        private sealed record Entry(X509Certificate2 Certificate, SslStreamCertificateContext Context);
    }

    /// <summary>
    /// One mutual-TLS handshake with itself on loopback before the silo starts. A process's first
    /// handshake pays once for the TLS stack (code compiled, OpenSSL contexts and certificate stores
    /// loaded): seconds on a busy machine, measured between a silo's TCP connect and its ClientHello.
    /// Paid while joining, it outlasts Orleans' connection timeout and the membership probes, and the
    /// joining silo is declared dead before its first connection is up.
    /// </summary>
    internal sealed class Warmup(NodeCredentials credentials, ServerCertificateContexts contexts, ILogger<Warmup> logger) : IHostedService
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            using var dialled = new TcpClient(AddressFamily.InterNetwork);
            await dialled.ConnectAsync((IPEndPoint)listener.LocalEndpoint, timeout.Token);
            using TcpClient accepted = await listener.AcceptTcpClientAsync(timeout.Token);
            RemoteCertificateValidationCallback verify = (_, certificate, _, _) =>
                certificate is X509Certificate2 presented && credentials.Verify(presented, "TLS warm-up") is null;
            await using var server = new SslStream(accepted.GetStream(), leaveInnerStreamOpen: false, verify);
            await using var client = new SslStream(dialled.GetStream(), leaveInnerStreamOpen: false, verify);
            X509Certificate2 certificate = credentials.Certificate;
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = contexts.For(certificate),
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, timeout.Token),
                client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, timeout.Token));
            logger.LogInformation("TLS on the Orleans ports: the first handshake took {Elapsed:F0} ms", watch.Elapsed.TotalMilliseconds);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

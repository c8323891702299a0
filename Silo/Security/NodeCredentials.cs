using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.Kubernetes;
using Mnemo.Kubernetes.Certificates;

namespace Mnemo.Silo;

/// <summary>
/// This silo's certificate and the authorities it trusts, for the replica data plane. Started before
/// the Orleans silo: it reads (or, generated, creates) the Secrets first, then
/// checks every <see cref="SiloTlsOptions.CheckInterval"/> whether the certificate is due for renewal
/// (a provided Secret is read again); generated, the same check takes a CA rotation's next step when
/// one is due and picks up the trust bundle it publishes. A renewed certificate or bundle is handed to
/// every new connection; connections open already keep theirs, so nothing in flight fails.
/// </summary>
public sealed class NodeCredentials : IHostedService, IDisposable
{
    private static readonly TimeSpan LoadRetry = TimeSpan.FromSeconds(1);
    private readonly SiloSettings _settings;
    private readonly ClusterCertificates _certificates;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private volatile Credentials? _current;
    private Task _renewing = Task.CompletedTask;

    public NodeCredentials(SiloSettings settings, KubernetesConnection kubernetes, TimeProvider time, ILogger<NodeCredentials> logger)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _certificates = new ClusterCertificates(kubernetes.Client, settings.Namespace, settings.Tls.Lifetimes, time, logger);
        DataPlane = settings.Tls.Mode == SiloTlsMode.Off ? null : new PeerTls(() => Certificate, presented => Verify(presented, "data plane"));
    }

    public bool Enabled => _settings.Tls.Mode != SiloTlsMode.Off;

    /// <summary>The data plane's mutual TLS; null when TLS is off.</summary>
    public PeerTls? DataPlane { get; }

    /// <summary>This node's current certificate, with its key.</summary>
    public X509Certificate2 Certificate => (_current ?? throw new InvalidOperationException("the node's certificate is not loaded yet")).Certificate;

    /// <summary>Null when <paramref name="presented"/> is issued by a trusted authority and valid now; else why not (logged, naming <paramref name="port"/>).</summary>
    public string? Verify(X509Certificate2 presented, string port)
    {
        Credentials current = _current ?? throw new InvalidOperationException("the node's certificate is not loaded yet");
        string? refusal = ClusterTrust.Verify(presented, current.Authorities, _time.GetUtcNow());
        if (refusal is not null)
            _logger.LogWarning("Refused a TLS peer on the {Port}: {Reason}", port, refusal);
        return refusal;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            _logger.LogWarning("TLS is off: the data plane accepts plain TCP from anyone who can reach it");
            return;
        }
        while (true)
        {
            try
            {
                Install(await LoadAsync(cancellationToken));
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("Loading the node's certificate failed, retrying: {Reason}", e.Message);
                await Task.Delay(LoadRetry, cancellationToken);
            }
        }
        _renewing = RenewAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _renewing.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RenewAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_settings.Tls.CheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    Install(await LoadAsync(stopping));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The current certificate stays in use; the next check tries again.
                    _logger.LogWarning("Checking the node's certificate for renewal failed: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private Task<TlsSecret> LoadAsync(CancellationToken cancellationToken) => _settings.Tls.Mode == SiloTlsMode.Provided
        ? _certificates.ReadProvidedAsync(_settings.Tls.SecretName!, cancellationToken)
        : _certificates.EnsureNodeAsync(_settings.NodeName, [_settings.Host], cancellationToken);

    private void Install(TlsSecret secret)
    {
        if (_current is { } current && current.Secret == secret)
            return;
        // The certificate replaced is not disposed: connections that authenticated with it may still use it.
        var loaded = new Credentials(secret, secret.LoadCertificate(), secret.LoadAuthorities());
        _current = loaded;
        _logger.LogInformation("Node certificate {Subject} in use: serial {Serial}, valid until {NotAfter:u}, {Authorities} trusted CA(s)",
            loaded.Certificate.Subject, loaded.Certificate.SerialNumber, loaded.Certificate.NotAfter.ToUniversalTime(), loaded.Authorities.Count);
    }

    private sealed record Credentials(TlsSecret Secret, X509Certificate2 Certificate, X509Certificate2Collection Authorities);
}

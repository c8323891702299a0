using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnemo.Kubernetes.Leadership;

/// <summary>
/// One candidate in the election of the reconciling silo, on KubernetesClient's <see cref="LeaderElector"/>
/// with a <see cref="LeaseLock"/>. <see cref="RunAsync"/> campaigns until cancelled: while this candidate
/// holds the lease it runs the given work with a token that is cancelled the moment the lease is lost,
/// then campaigns again.
/// </summary>
public sealed class LeaseElection
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private volatile string? _leader;
    private volatile bool _isLeader;

    public LeaseElection(IKubernetes client, string @namespace, string identity, LeaderElectionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _client = client;
        _namespace = @namespace;
        Identity = identity;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>This candidate's holder identity (the silo's node name).</summary>
    public string Identity { get; }

    /// <summary>The holder last seen, this candidate included; null before anyone was seen.</summary>
    public string? Leader => _leader;

    public bool IsLeader => _isLeader;

    /// <summary>Campaigns until <paramref name="cancellationToken"/> is cancelled; runs <paramref name="whileLeading"/>
    /// each time the lease is won, with a token cancelled when it is lost (or on shutdown).</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task work = Task.CompletedTask;
            bool led = false;
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(_client, _namespace, _options.LeaseName, Identity))
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            elector.OnNewLeader += leader =>
            {
                _leader = leader;
                _logger.LogInformation("Lease {Namespace}/{Lease}: the leader is {Leader}", _namespace, _options.LeaseName, leader);
            };
            elector.OnStartedLeading += () =>
            {
                _isLeader = true;
                led = true;
                _logger.LogInformation("Lease {Namespace}/{Lease}: {Identity} leads", _namespace, _options.LeaseName, Identity);
                work = Task.Run(() => whileLeading(term.Token), CancellationToken.None);
            };
            elector.OnStoppedLeading += () =>
            {
                _isLeader = false;
                term.Cancel();
            };
            elector.OnError += error => _logger.LogWarning(error, "Lease {Namespace}/{Lease}: election error", _namespace, _options.LeaseName);

            try
            {
                await elector.RunUntilLeadershipLostAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutdown: the work below is cancelled and awaited.
            }
            catch (Exception error)
            {
                _logger.LogWarning(error, "Lease {Namespace}/{Lease}: campaign failed; campaigning again", _namespace, _options.LeaseName);
            }
            _isLeader = false;
            term.Cancel();
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
                // The work ends by cancellation when the lease is lost.
            }
            catch (Exception error)
            {
                _logger.LogError(error, "Lease {Namespace}/{Lease}: the leader's work failed", _namespace, _options.LeaseName);
            }
            if (!cancellationToken.IsCancellationRequested)
                _logger.LogInformation("Lease {Namespace}/{Lease}: {Identity} stopped leading", _namespace, _options.LeaseName, Identity);
            else if (led && _options.ReleaseOnStop)
                await ReleaseAsync();
            try
            {
                await Task.Delay(_options.RetryPeriod, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Shutdown.
            }
        }
    }

    /// <summary>client-go's <c>ReleaseOnCancel</c>: on a clean stop the holder empties the lease and shortens it to 1 s,
    /// conditioned on its resourceVersion, so a candidate takes it at its next attempt. A failure only costs the wait
    /// for the lease to expire.</summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            V1Lease lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _namespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != Identity)
                return;
            DateTime now = DateTime.UtcNow;
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.AcquireTime = now;
            lease.Spec.RenewTime = now;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _namespace, cancellationToken: timeout.Token);
            _logger.LogInformation("Lease {Namespace}/{Lease}: {Identity} released it", _namespace, _options.LeaseName, Identity);
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Lease {Namespace}/{Lease}: could not release it; it expires after {Duration}", _namespace,
                _options.LeaseName, _options.LeaseDuration);
        }
    }
}

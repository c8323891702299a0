using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace Mnemo.Kubernetes;

/// <summary>
/// Orleans' <see cref="IGatewayListProvider"/> for clients: the Active silos with a proxy (gateway) port,
/// read from the same Silo objects as the membership table, as <c>gwy.tcp://ip:proxyPort/generation</c>.
/// It only reads, so a client needs only get/list on the two resources.
/// </summary>
public sealed class KubernetesGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly KubernetesConnection _connection;
    private readonly KubernetesMembershipStore _store;
    private readonly ILogger _logger;

    public KubernetesGatewayListProvider(
        IOptions<KubernetesMembershipOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<GatewayOptions> gatewayOptions,
        ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger<KubernetesGatewayListProvider>();
        _connection = options.Value.Connect();
        _store = new KubernetesMembershipStore(
            _connection.Client, _connection.Namespace, clusterOptions.Value.ClusterId, options.Value.MaxReadAttempts, _logger);
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
    }

    public TimeSpan MaxStaleness { get; }

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => InitializeGatewayListProviderAsync(CancellationToken.None);

    public Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Kubernetes gateway list for cluster {ClusterId} in namespace {Namespace} at {Host}",
            _store.ClusterId, _store.Namespace, _connection.Configuration.Host);
        return Task.CompletedTask;
    }

    public Task<IList<Uri>> GetGateways() => GetGatewaysAsync(CancellationToken.None);

    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken)
    {
        // No table yet (no silo has started): no gateways, not an error.
        var snapshot = await _store.ReadAsync(null, complete: false, cancellationToken).ConfigureAwait(false);
        if (snapshot is null) return [];
        return snapshot.Rows.Values
            .Where(row => row.Status == nameof(SiloStatus.Active) && row.ProxyPort != 0)
            .Select(row =>
            {
                var silo = MembershipEntryMapper.ToSiloAddress(row);
                return SiloAddress.New(silo.Endpoint.Address, row.ProxyPort, silo.Generation).ToGatewayUri();
            })
            .ToList();
    }

    public void Dispose() => _connection.Dispose();
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Mnemo.Kubernetes;

/// <summary>
/// Orleans' <see cref="IMembershipTable"/> on <c>ClusterVersion</c> and <c>Silo</c> custom resources
/// (<c>mnemo.dev/v1alpha1</c>). The commit protocol is described on <see cref="KubernetesMembershipStore"/>
/// and in README.md. The cancellable twins pass their token to the API calls.
/// </summary>
public sealed class KubernetesMembershipTable : IMembershipTable, IDisposable
{
    private readonly KubernetesConnection _connection;
    private readonly KubernetesMembershipOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly KubernetesMembershipStore _store;

    public KubernetesMembershipTable(
        IOptions<KubernetesMembershipOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<KubernetesMembershipTable>();
        _connection = _options.Connect();
        _store = new KubernetesMembershipStore(
            _connection.Client, _connection.Namespace, clusterOptions.Value.ClusterId, _options.MaxReadAttempts, _logger);
    }

    public Task InitializeMembershipTable(bool tryInitTableVersion) =>
        InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Kubernetes membership table for cluster {ClusterId} in namespace {Namespace} at {Host}",
            _store.ClusterId, _store.Namespace, _connection.Configuration.Host);
        if (tryInitTableVersion)
        {
            await _store.CreateTableAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task DeleteMembershipTableEntries(string clusterId) =>
        DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        var store = clusterId == _store.ClusterId
            ? _store
            : new KubernetesMembershipStore(_connection.Client, _connection.Namespace, clusterId, _options.MaxReadAttempts, _logger);
        return store.DeleteTableAsync(cancellationToken);
    }

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) =>
        CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken) =>
        _store.CleanupAsync(beforeDate, cancellationToken);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ToTableData(await _store.ReadAsync(key, complete: true, cancellationToken).ConfigureAwait(false));
    }

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken) =>
        ToTableData(await _store.ReadAsync(null, complete: true, cancellationToken).ConfigureAwait(false));

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) =>
        InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken) =>
        _store.CommitAsync(entry, rowEtag: null, tableVersion, cancellationToken);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) =>
        UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(etag);
        return _store.CommitAsync(entry, etag, tableVersion, cancellationToken);
    }

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken) =>
        _store.UpdateIAmAliveAsync(entry, cancellationToken);

    public void Dispose() => _connection.Dispose();

    private MembershipTableData ToTableData(MembershipSnapshot? snapshot)
    {
        // Orleans calls InitializeMembershipTable(true) first; a missing table means it was deleted.
        if (snapshot is null)
        {
            throw new InvalidOperationException(
                $"Membership table of cluster '{_store.ClusterId}' (ClusterVersion {_store.Namespace}/{ResourceNames.ClusterVersionName(_store.ClusterId)}) does not exist.");
        }

        var members = snapshot.Rows.Values
            .Select(row => Tuple.Create(MembershipEntryMapper.ToEntry(row), MembershipSnapshot.RowEtag(row)))
            .ToList();
        return new MembershipTableData(members, new TableVersion(snapshot.Version.Spec.Version, snapshot.TableEtag));
    }
}

using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Kubernetes;

/// <summary>
/// The membership table of one cluster on Kubernetes objects, and its commit protocol (README.md):
/// <list type="bullet">
/// <item>The ClusterVersion object is the only compare-and-swap point. A row change is committed by
/// replacing it conditioned on <c>resourceVersion</c> = the caller's table etag; the replacement
/// carries the whole new row in <c>spec.lastCommit</c> and a commit number one higher.</item>
/// <item>Then the Silo object is written (created, or replaced conditioned on its own resourceVersion)
/// stamped with that commit number. Anyone who finds a committed row not yet written — reader or
/// next writer — writes it; a writer always does so before committing, so at most the last commit
/// can be unwritten and no commit is lost.</item>
/// <item>Readers read the version, then the rows; a row stamped with a later commit means a write
/// landed in between, so they read again. A reader therefore gets exactly the table as of the version
/// it returns.</item>
/// <item>The row etag is the row's commit number, which heartbeats (a merge patch of iAmAliveTime
/// only) leave unchanged.</item>
/// </list>
/// </summary>
internal sealed class KubernetesMembershipStore
{
    private const int MaxWriteAttempts = 10;

    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _versionName;
    private readonly string _clusterLabel;
    private readonly int _maxReadAttempts;
    private readonly ILogger _logger;

    public KubernetesMembershipStore(IKubernetes client, string @namespace, string clusterId, int maxReadAttempts, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        _client = client;
        _namespace = @namespace;
        ClusterId = clusterId;
        _versionName = ResourceNames.ClusterVersionName(clusterId);
        _clusterLabel = ResourceNames.ToLabelValue(clusterId);
        _maxReadAttempts = Math.Max(1, maxReadAttempts);
        _logger = logger;
    }

    public string ClusterId { get; }

    public string Namespace => _namespace;

    /// <summary>Creates the version object at version 0 if it is missing; false if it already existed.</summary>
    public async Task<bool> CreateTableAsync(CancellationToken ct)
    {
        var body = new ClusterVersionResource
        {
            Metadata = VersionMetadata(resourceVersion: null),
            Spec = new ClusterVersionSpec { ClusterId = ClusterId, Version = 0, Epoch = Guid.NewGuid().ToString("N"), Commit = 0 },
        };
        try
        {
            await _client.CustomObjects.CreateNamespacedCustomObjectAsync<ClusterVersionResource>(
                body, MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.ClusterVersionPlural,
                cancellationToken: ct).ConfigureAwait(false);
            _logger.LogInformation("Created membership table {Namespace}/{Name} for cluster {ClusterId}", _namespace, _versionName, ClusterId);
            return true;
        }
        catch (HttpOperationException ex) when (KubernetesApiErrors.IsConflict(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the table (or one row of it) consistently; null if the table does not exist. With
    /// <paramref name="complete"/> a committed but unwritten row is also written (silos do; clients only read).
    /// </summary>
    public async Task<MembershipSnapshot?> ReadAsync(SiloAddress? silo, bool complete, CancellationToken ct)
    {
        var onlyName = silo is null ? null : ResourceNames.SiloName(ClusterId, silo);
        for (var attempt = 1; ; attempt++)
        {
            var version = await GetVersionAsync(ct).ConfigureAwait(false);
            if (version is null) return null;

            IReadOnlyList<SiloResource> found = onlyName is null
                ? await ListRowsAsync(ct).ConfigureAwait(false)
                : await GetRowAsync(onlyName, ct).ConfigureAwait(false) is { } one ? [one] : [];

            var rows = new Dictionary<string, SiloResource>(StringComparer.Ordinal);
            var stale = new List<SiloResource>();
            var newerCommitSeen = false;
            foreach (var row in found)
            {
                if (row.Spec.ClusterId != ClusterId) continue; // another cluster whose id sanitised alike
                if (row.Spec.TableEpoch != version.Spec.Epoch) stale.Add(row);
                else if (row.Spec.Commit > version.Spec.Commit) newerCommitSeen = true;
                else rows[row.Metadata.Name] = row;
            }

            if (newerCommitSeen)
            {
                // A later commit was written after we read the version: pairing it with this version
                // would show a row ahead of its version. Read again.
                if (attempt >= _maxReadAttempts)
                {
                    throw new InvalidOperationException(
                        $"Membership table {_namespace}/{_versionName} kept changing during {attempt} reads.");
                }

                continue;
            }

            var result = rows.ToDictionary(r => r.Key, r => r.Value.Spec, StringComparer.Ordinal);
            if (version.Spec.LastCommit is { } last && (onlyName is null || last.Silo == onlyName))
            {
                rows.TryGetValue(last.Silo, out var current);
                if (!IsWritten(last, current))
                {
                    // Committed, so part of this version, but its writer has not (yet) written the row.
                    result[last.Silo] = last.Row;
                    if (complete) await TryCompleteAsync(last, current, ct).ConfigureAwait(false);
                }
            }

            return new MembershipSnapshot(version, result, stale);
        }
    }

    /// <summary>
    /// InsertRow (<paramref name="rowEtag"/> null) or UpdateRow. False when the table etag is stale, the
    /// row exists (insert), or the row is missing or its etag differs (update).
    /// </summary>
    public async Task<bool> CommitAsync(MembershipEntry entry, string? rowEtag, TableVersion tableVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        var version = await GetVersionAsync(ct).ConfigureAwait(false);
        if (version is null)
        {
            _logger.LogWarning("Membership table {Namespace}/{Name} does not exist; write of {Silo} refused", _namespace, _versionName, entry.SiloAddress);
            return false;
        }

        // Stale etag: answer without writing (the conditional replace below would refuse it anyway).
        if (version.Metadata.ResourceVersion != tableVersion.VersionEtag) return false;

        var name = ResourceNames.SiloName(ClusterId, entry.SiloAddress);
        var current = await GetRowAsync(name, ct).ConfigureAwait(false);

        // The previous commit must be written before its record is replaced, or it would be lost.
        if (version.Spec.LastCommit is { } previous)
        {
            var previousRow = previous.Silo == name ? current : await GetRowAsync(previous.Silo, ct).ConfigureAwait(false);
            if (!IsWritten(previous, previousRow))
            {
                var written = await CompleteAsync(previous, previousRow, ct).ConfigureAwait(false);
                if (previous.Silo == name) current = written;
            }
        }

        var existing = current is not null && current.Spec.ClusterId == ClusterId && current.Spec.TableEpoch == version.Spec.Epoch
            ? current
            : null;
        if (rowEtag is null && existing is not null) return false;
        if (rowEtag is not null && (existing is null || MembershipSnapshot.RowEtag(existing.Spec) != rowEtag)) return false;

        var commit = version.Spec.Commit + 1;
        var record = new CommitRecord
        {
            Silo = name,
            Commit = commit,
            Row = MembershipEntryMapper.ToSpec(entry, ClusterId, version.Spec.Epoch, commit),
        };
        var next = new ClusterVersionResource
        {
            Metadata = VersionMetadata(tableVersion.VersionEtag),
            Spec = new ClusterVersionSpec
            {
                ClusterId = ClusterId,
                Version = tableVersion.Version,
                Epoch = version.Spec.Epoch,
                Commit = commit,
                LastCommit = record,
            },
        };

        try
        {
            await _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<ClusterVersionResource>(
                next, MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.ClusterVersionPlural,
                _versionName, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (KubernetesApiErrors.IsConflict(ex) || KubernetesApiErrors.IsNotFound(ex))
        {
            return false; // another writer committed first (or the table was deleted)
        }

        // Committed: from here on every reader sees the new row, so the answer is true whatever happens
        // to the row write; if it fails, the next reader or writer finishes it.
        try
        {
            await CompleteAsync(record, current, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Commit {Commit} of {Silo} is done but writing its Silo object failed; the next reader or writer will write it", commit, name);
        }

        _logger.LogDebug("Committed {Operation} of {Silo} ({Status}) as table version {Version}, commit {Commit}",
            rowEtag is null ? "insert" : "update", name, entry.Status, tableVersion.Version, commit);
        return true;
    }

    /// <summary>Writes only iAmAliveTime (a merge patch): no table version change, the row etag stays valid.</summary>
    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var name = ResourceNames.SiloName(ClusterId, entry.SiloAddress);
        var patch = new V1Patch(
            new { spec = new { iAmAliveTime = MembershipEntryMapper.FormatTime(entry.IAmAliveTime) } },
            V1Patch.PatchType.MergePatch);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    patch, MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.SiloPlural, name,
                    cancellationToken: ct).ConfigureAwait(false);
                return;
            }
            catch (HttpOperationException ex) when (KubernetesApiErrors.IsNotFound(ex) && attempt == 0)
            {
                // The row may be committed but not yet written: have it written, then try once more.
                await ReadAsync(entry.SiloAddress, complete: true, ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (KubernetesApiErrors.IsNotFound(ex))
            {
                // Orleans treats a heartbeat as a dirty write that cannot fail for table reasons.
                _logger.LogWarning("IAmAlive of {Silo}: no such row in {Namespace}", name, _namespace);
                return;
            }
        }
    }

    /// <summary>Deletes the version object first, so in-flight commits fail, then every row of the cluster.</summary>
    public async Task DeleteTableAsync(CancellationToken ct)
    {
        await DeleteAsync(MnemoResources.ClusterVersionPlural, _versionName, resourceVersion: null, ct).ConfigureAwait(false);
        foreach (var row in await ListRowsAsync(ct).ConfigureAwait(false))
        {
            if (row.Spec.ClusterId != ClusterId) continue;
            await DeleteAsync(MnemoResources.SiloPlural, row.Metadata.Name, resourceVersion: null, ct).ConfigureAwait(false);
        }

        _logger.LogInformation("Deleted membership table {Namespace}/{Name} of cluster {ClusterId}", _namespace, _versionName, ClusterId);
    }

    /// <summary>
    /// Deletes rows that are not Active and were last updated before <paramref name="before"/> (Orleans'
    /// own providers do the same), plus such rows of older table incarnations. Does not bump the version.
    /// The row named by the last commit is kept: a missing last-commit row means "not yet written" to
    /// readers, who would bring it back.
    /// </summary>
    public async Task<int> CleanupAsync(DateTimeOffset before, CancellationToken ct)
    {
        var snapshot = await ReadAsync(null, complete: true, ct).ConfigureAwait(false);
        if (snapshot is null) return 0;
        var keep = snapshot.Version.Spec.LastCommit?.Silo;
        var rows = await ListRowsAsync(ct).ConfigureAwait(false);
        var deleted = 0;
        foreach (var row in rows)
        {
            if (row.Spec.ClusterId != ClusterId || row.Metadata.Name == keep) continue;
            var entry = MembershipEntryMapper.ToEntry(row.Spec);
            var ours = row.Spec.TableEpoch == snapshot.Version.Spec.Epoch;
            if ((ours && entry.Status == SiloStatus.Active) || MembershipEntryMapper.LastUpdateTime(entry) >= before.UtcDateTime) continue;

            // Conditioned on the row as read, so a row changed meanwhile is left alone.
            if (await DeleteAsync(MnemoResources.SiloPlural, row.Metadata.Name, row.Metadata.ResourceVersion, ct).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        if (deleted > 0) _logger.LogInformation("Removed {Count} defunct silo rows of cluster {ClusterId}", deleted, ClusterId);
        return deleted;
    }

    private static bool IsWritten(CommitRecord record, SiloResource? row) =>
        row is not null && row.Spec.TableEpoch == record.Row.TableEpoch && row.Spec.Commit >= record.Commit;

    private async Task TryCompleteAsync(CommitRecord record, SiloResource? current, CancellationToken ct)
    {
        try
        {
            await CompleteAsync(record, current, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The read result is right without it; a later reader or the next writer retries.
            _logger.LogDebug(ex, "Could not write committed row {Silo} (commit {Commit}) yet", record.Silo, record.Commit);
        }
    }

    /// <summary>Writes a committed row unless it is already written; returns the row as it now stands.</summary>
    private async Task<SiloResource?> CompleteAsync(CommitRecord record, SiloResource? current, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (IsWritten(record, current)) return current;
            try
            {
                if (current is null)
                {
                    var created = new SiloResource { Metadata = RowMetadata(record.Silo, record.Row, null), Spec = record.Row };
                    return await _client.CustomObjects.CreateNamespacedCustomObjectAsync<SiloResource>(
                        created, MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.SiloPlural,
                        cancellationToken: ct).ConfigureAwait(false);
                }

                var replacement = new SiloResource
                {
                    Metadata = RowMetadata(record.Silo, record.Row, current.Metadata.ResourceVersion),
                    Spec = KeepNewerHeartbeat(record.Row, current.Spec),
                };
                return await _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<SiloResource>(
                    replacement, MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.SiloPlural,
                    record.Silo, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (
                (KubernetesApiErrors.IsConflict(ex) || KubernetesApiErrors.IsNotFound(ex)) && attempt < MaxWriteAttempts)
            {
                // Someone wrote it meanwhile: a heartbeat, another reader finishing this commit, or a later
                // commit. Look again.
                current = await GetRowAsync(record.Silo, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The silo owns its iAmAliveTime: a heartbeat written after the committer read the row must not be
    /// turned back by the commit's older copy.
    /// </summary>
    private static SiloSpec KeepNewerHeartbeat(SiloSpec committed, SiloSpec current)
    {
        if (current.TableEpoch != committed.TableEpoch ||
            MembershipEntryMapper.ParseTime(current.IAmAliveTime) <= MembershipEntryMapper.ParseTime(committed.IAmAliveTime))
        {
            return committed;
        }

        var merged = committed.Clone();
        merged.IAmAliveTime = current.IAmAliveTime;
        return merged;
    }

    private async Task<ClusterVersionResource?> GetVersionAsync(CancellationToken ct)
    {
        try
        {
            return await _client.CustomObjects.GetNamespacedCustomObjectAsync<ClusterVersionResource>(
                MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.ClusterVersionPlural,
                _versionName, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (KubernetesApiErrors.IsNotFound(ex))
        {
            return null;
        }
    }

    private async Task<SiloResource?> GetRowAsync(string name, CancellationToken ct)
    {
        try
        {
            return await _client.CustomObjects.GetNamespacedCustomObjectAsync<SiloResource>(
                MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.SiloPlural, name, ct)
                .ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (KubernetesApiErrors.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>The cluster's rows, by label selector: never the whole namespace.</summary>
    private async Task<IReadOnlyList<SiloResource>> ListRowsAsync(CancellationToken ct)
    {
        var list = await _client.CustomObjects.ListNamespacedCustomObjectAsync<SiloResourceList>(
            MnemoResources.Group, MnemoResources.Version, _namespace, MnemoResources.SiloPlural,
            labelSelector: $"{MnemoResources.ClusterIdLabel}={_clusterLabel}", cancellationToken: ct).ConfigureAwait(false);
        return list.Items?.ToList() ?? [];
    }

    /// <summary>Deletes one object; false if it was already gone or (with a resourceVersion) had changed.</summary>
    private async Task<bool> DeleteAsync(string plural, string name, string? resourceVersion, CancellationToken ct)
    {
        var options = resourceVersion is null
            ? null
            : new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } };
        try
        {
            await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                MnemoResources.Group, MnemoResources.Version, _namespace, plural, name, options,
                cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (KubernetesApiErrors.IsNotFound(ex) || KubernetesApiErrors.IsConflict(ex))
        {
            return false;
        }
    }

    private V1ObjectMeta VersionMetadata(string? resourceVersion) => new()
    {
        Name = _versionName,
        NamespaceProperty = _namespace,
        ResourceVersion = resourceVersion,
        Labels = new Dictionary<string, string> { [MnemoResources.ClusterIdLabel] = _clusterLabel },
    };

    private V1ObjectMeta RowMetadata(string name, SiloSpec row, string? resourceVersion)
    {
        var labels = new Dictionary<string, string> { [MnemoResources.ClusterIdLabel] = _clusterLabel };
        if (row.SiloName is { } node && ResourceNames.IsLabelValue(node) && node.Length > 0)
        {
            labels[MnemoResources.NodeLabel] = node;
        }

        return new V1ObjectMeta { Name = name, NamespaceProperty = _namespace, ResourceVersion = resourceVersion, Labels = labels };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_namespace}/{_versionName}");
}

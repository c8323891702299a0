using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

/// <summary>
/// What Kubernetes-specific failure points leave behind: a writer stopping between the version write and
/// the row write, rows of a deleted table, rows ahead of the version, heartbeats racing a row write,
/// unreachable servers, and the object layout (names, labels) itself.
/// </summary>
[Collection(KubeApiCollection.Name)]
public sealed class CommitProtocolTests : IAsyncLifetime
{
    private readonly KubeApiFixture _api;
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _clusterId = "proto-" + Guid.NewGuid();
    private readonly KubernetesMembershipTable _table;
    private readonly KubernetesConnection _raw;

    public CommitProtocolTests(KubeApiFixture api, ITestOutputHelper output)
    {
        _api = api;
        _loggerFactory = XunitLoggerProvider.Factory(output, LogLevel.Debug);
        _table = NewTable(_clusterId);
        _raw = api.Connect();
    }

    public Task InitializeAsync() => _table.InitializeMembershipTable(true);

    public async Task DisposeAsync()
    {
        await _table.DeleteMembershipTableEntries(_clusterId);
        _table.Dispose();
        _raw.Dispose();
        _loggerFactory.Dispose();
    }

    [Fact]
    public async Task A_committed_update_whose_row_write_was_lost_is_read_and_written_by_readers()
    {
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var name = ResourceNames.SiloName(_clusterId, entry.SiloAddress);

        entry.Status = SiloStatus.Active;
        await StageLostCommitAsync(entry);
        Assert.Equal(nameof(SiloStatus.Joining), (await ResourceProbe.SiloAsync(_raw, name))!.Spec.Status);

        var data = await _table.ReadAll();

        Assert.Equal(2, data.Version.Version);
        var (read, etag) = Assert.Single(data.Members);
        Assert.Equal(SiloStatus.Active, read.Status);
        var stored = await ResourceProbe.SiloAsync(_raw, name);
        Assert.Equal(nameof(SiloStatus.Active), stored!.Spec.Status);
        Assert.Equal(etag, MembershipSnapshot.RowEtag(stored.Spec));

        // The read is a valid base for the next write.
        entry.Status = SiloStatus.Dead;
        Assert.True(await _table.UpdateRow(entry, etag, data.Version.Next()));
        Assert.Equal(SiloStatus.Dead, (await _table.ReadRow(entry.SiloAddress)).Members[0].Item1.Status);
    }

    [Fact]
    public async Task A_lost_insert_is_visible_to_clients_and_written_by_the_next_writer_first()
    {
        var first = TestEntries.Create();
        Assert.True(await _table.InsertRow(first, (await _table.ReadAll()).Version.Next()));
        var lost = TestEntries.Create(SiloStatus.Active);
        await StageLostCommitAsync(lost);
        var lostName = ResourceNames.SiloName(_clusterId, lost.SiloAddress);

        // A client only reads: it sees the committed row without writing it.
        using (var gateways = new KubernetesGatewayListProvider(
                   Options.Create(_api.MembershipOptions()), Options.Create(new ClusterOptions { ClusterId = _clusterId }),
                   Options.Create(new GatewayOptions()), _loggerFactory))
        {
            Assert.Equal([lost.SiloAddress.ToGatewayUri()], await gateways.GetGateways());
        }

        Assert.Null(await ResourceProbe.SiloAsync(_raw, lostName));

        // The next commit (another silo) writes the lost row before replacing the commit record.
        var version = await ResourceProbe.ClusterVersionAsync(_raw, _clusterId);
        var next = TestEntries.Create();
        Assert.True(await _table.InsertRow(next, new TableVersion(version!.Spec.Version + 1, version.Metadata.ResourceVersion)));

        var written = await ResourceProbe.SiloAsync(_raw, lostName);
        Assert.NotNull(written);
        Assert.Equal(nameof(SiloStatus.Active), written.Spec.Status);
        var data = await _table.ReadAll();
        Assert.Equal(3, data.Members.Count);
        Assert.Equal(3, data.Version.Version);
    }

    [Fact]
    public async Task A_heartbeat_of_a_silo_whose_insert_was_not_written_yet_writes_both()
    {
        var entry = TestEntries.Create(SiloStatus.Active);
        await StageLostCommitAsync(entry);
        var alive = DateTime.UtcNow.AddMinutes(1);

        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var stored = await ResourceProbe.SiloAsync(_raw, ResourceNames.SiloName(_clusterId, entry.SiloAddress));
        Assert.NotNull(stored);
        Assert.Equal(alive, MembershipEntryMapper.ParseTime(stored.Spec.IAmAliveTime));
        Assert.Equal(SiloStatus.Active, (await _table.ReadRow(entry.SiloAddress)).Members[0].Item1.Status);
    }

    [Fact]
    public async Task A_newer_heartbeat_survives_a_row_write_based_on_an_older_read()
    {
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadAll();
        var alive = DateTime.UtcNow.AddMinutes(5);
        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var update = read.Members[0].Item1;
        update.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(update, read.Members[0].Item2, read.Version.Next()));

        var after = (await _table.ReadRow(entry.SiloAddress)).Members[0].Item1;
        Assert.Equal(SiloStatus.Active, after.Status);
        Assert.Equal(alive, after.IAmAliveTime);
    }

    [Fact]
    public async Task A_row_ahead_of_its_version_is_never_returned_with_that_version()
    {
        using var table = NewTable(_clusterId, maxReadAttempts: 3);
        var entry = TestEntries.Create();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var silo = await ResourceProbe.SiloAsync(_raw, ResourceNames.SiloName(_clusterId, entry.SiloAddress));

        // As if a later commit's row write had landed after a reader read the version.
        silo!.Spec.Commit += 1;
        silo.Spec.Status = nameof(SiloStatus.Active);
        await ResourceProbe.ReplaceSiloAsync(_raw, silo);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => table.ReadAll());
        Assert.Contains("kept changing", error.Message);
    }

    [Fact]
    public async Task Rows_of_a_deleted_table_incarnation_are_ignored_and_replaced()
    {
        var entry = TestEntries.Create(SiloStatus.Active);
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        // As if DeleteMembershipTableEntries had stopped after deleting the version object.
        await ResourceProbe.DeleteClusterVersionAsync(_raw, _clusterId);
        await _table.InitializeMembershipTable(true);

        var data = await _table.ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);

        // The same silo address again (same object name): the insert takes the stale object over.
        entry.Status = SiloStatus.Joining;
        Assert.True(await _table.InsertRow(entry, data.Version.Next()));
        var row = Assert.Single((await _table.ReadAll()).Members);
        Assert.Equal(SiloStatus.Joining, row.Item1.Status);
    }

    [Fact]
    public async Task Objects_have_dns_names_cluster_and_node_labels_and_display_fields()
    {
        var entry = TestEntries.Create();
        entry.SiloName = "node-1";
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var unsafeName = TestEntries.Create();
        unsafeName.SiloName = "not a label/value";
        Assert.True(await _table.InsertRow(unsafeName, (await _table.ReadAll()).Version.Next()));

        var silos = await ResourceProbe.SilosAsync(_raw, _clusterId);
        Assert.Equal(2, silos.Count);
        var silo = silos.Single(s => s.Spec.SiloName == "node-1");
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", silo.Metadata.Name);
        Assert.StartsWith(ResourceNames.ClusterVersionName(_clusterId) + "-127-0-0-1-12345-", silo.Metadata.Name);
        Assert.Equal(_clusterId, silo.Metadata.Labels[MnemoResources.ClusterIdLabel]);
        Assert.Equal("node-1", silo.Metadata.Labels[MnemoResources.NodeLabel]);
        Assert.Equal("127.0.0.1:12345", silo.Spec.Endpoint);
        Assert.DoesNotContain(MnemoResources.NodeLabel, silos.Single(s => s.Spec.SiloName != "node-1").Metadata.Labels.Keys);

        var version = await ResourceProbe.ClusterVersionAsync(_raw, _clusterId);
        Assert.Equal(_clusterId, version!.Spec.ClusterId);
        Assert.Equal(_clusterId, version.Metadata.Labels[MnemoResources.ClusterIdLabel]);
    }

    [Fact]
    public async Task Kubectl_get_silos_shows_node_address_generation_status_and_last_alive()
    {
        var entry = TestEntries.Create(SiloStatus.Active);
        entry.SiloName = "node-7";
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        // The Table form kubectl asks for, rendered from the CRD's printer columns.
        using var http = new HttpClient { BaseAddress = _api.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/apis/mnemo.dev/v1alpha1/namespaces/default/silos?labelSelector={Uri.EscapeDataString(MnemoResources.ClusterIdLabel + "=" + _clusterId)}");
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var table = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var columns = table.RootElement.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Name", "Node", "Address", "Generation", "Status", "Last-Alive", "Age"], columns);
        var cells = Assert.Single(table.RootElement.GetProperty("rows").EnumerateArray()).GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal("node-7", cells[1].GetString());
        Assert.Equal($"127.0.0.1:{entry.SiloAddress.Endpoint.Port}", cells[2].GetString());
        Assert.Equal(entry.SiloAddress.Generation, cells[3].GetInt32());
        Assert.Equal("Active", cells[4].GetString());
    }

    [Fact]
    public async Task Clusters_whose_ids_sanitise_alike_stay_apart()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var upper = NewTable("Mnemo_" + suffix);
        using var lower = NewTable("mnemo-" + suffix);
        await upper.InitializeMembershipTable(true);
        await lower.InitializeMembershipTable(true);
        try
        {
            Assert.True(await upper.InsertRow(TestEntries.Create(), (await upper.ReadAll()).Version.Next()));
            Assert.True(await lower.InsertRow(TestEntries.Create(), (await lower.ReadAll()).Version.Next()));
            Assert.True(await lower.InsertRow(TestEntries.Create(), (await lower.ReadAll()).Version.Next()));

            Assert.Single((await upper.ReadAll()).Members);
            Assert.Equal(2, (await lower.ReadAll()).Members.Count);
            Assert.NotEqual(ResourceNames.ClusterVersionName("Mnemo_" + suffix), ResourceNames.ClusterVersionName("mnemo-" + suffix));
        }
        finally
        {
            await upper.DeleteMembershipTableEntries("Mnemo_" + suffix);
            await lower.DeleteMembershipTableEntries("mnemo-" + suffix);
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_an_exception_not_false()
    {
        var options = new KubernetesMembershipOptions
        {
            ClientConfiguration = () => new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" },
            Namespace = "default",
        };
        using var table = new KubernetesMembershipTable(
            Options.Create(options), Options.Create(new ClusterOptions { ClusterId = _clusterId }), _loggerFactory);

        await Assert.ThrowsAsync<HttpRequestException>(() => table.ReadAll());
        await Assert.ThrowsAsync<HttpRequestException>(() => table.InsertRow(TestEntries.Create(), new TableVersion(1, "1")));
    }

    private KubernetesMembershipTable NewTable(string clusterId, int maxReadAttempts = 20)
    {
        var options = _api.MembershipOptions();
        options.MaxReadAttempts = maxReadAttempts;
        return new KubernetesMembershipTable(
            Options.Create(options), Options.Create(new ClusterOptions { ClusterId = clusterId }), _loggerFactory);
    }

    /// <summary>Does exactly the version write of a commit and stops: a writer that died before the row write.</summary>
    private async Task StageLostCommitAsync(MembershipEntry entry)
    {
        var version = await ResourceProbe.ClusterVersionAsync(_raw, _clusterId);
        Assert.NotNull(version);
        var commit = version.Spec.Commit + 1;
        version.Spec.Version += 1;
        version.Spec.Commit = commit;
        version.Spec.LastCommit = new CommitRecord
        {
            Silo = ResourceNames.SiloName(_clusterId, entry.SiloAddress),
            Commit = commit,
            Row = MembershipEntryMapper.ToSpec(entry, _clusterId, version.Spec.Epoch, commit),
        };
        await ResourceProbe.ReplaceClusterVersionAsync(_raw, version);
    }
}

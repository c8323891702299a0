using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

/// <summary>
/// The IMembershipTable contract as Orleans' MembershipTableTestsBase states it (10.x, incl. the
/// heartbeat-neutral row etag of 10.4.2), re-stated against the embedded Kubernetes API.
/// </summary>
[Collection(KubeApiCollection.Name)]
public sealed class MembershipTableContractTests : IAsyncLifetime
{
    private readonly KubeApiFixture _api;
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _clusterId = "test-" + Guid.NewGuid();
    private readonly KubernetesMembershipTable _table;
    private readonly KubernetesGatewayListProvider _gateways;

    public MembershipTableContractTests(KubeApiFixture api, ITestOutputHelper output)
    {
        _api = api;
        _loggerFactory = XunitLoggerProvider.Factory(output);
        _table = new KubernetesMembershipTable(
            Options.Create(api.MembershipOptions()), Options.Create(new ClusterOptions { ClusterId = _clusterId }), _loggerFactory);
        _gateways = new KubernetesGatewayListProvider(
            Options.Create(api.MembershipOptions()), Options.Create(new ClusterOptions { ClusterId = _clusterId }),
            Options.Create(new GatewayOptions()), _loggerFactory);
    }

    public async Task InitializeAsync()
    {
        await _table.InitializeMembershipTable(true);
        await _gateways.InitializeGatewayListProvider();
    }

    public async Task DisposeAsync()
    {
        await _table.DeleteMembershipTableEntries(_clusterId);
        _table.Dispose();
        _gateways.Dispose();
        _loggerFactory.Dispose();
    }

    [Fact]
    public async Task Empty_table_has_version_zero_and_an_etag()
    {
        var data = await _table.ReadAll();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        Assert.False(string.IsNullOrEmpty(data.Version.VersionEtag));
    }

    [Fact]
    public async Task Initialize_twice_keeps_the_table()
    {
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        await _table.InitializeMembershipTable(true);

        var data = await _table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task Insert_sets_the_version_and_adds_the_row()
    {
        var data = await _table.ReadAll();

        Assert.True(await _table.InsertRow(TestEntries.Create(), data.Version.Next()));

        data = await _table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task Insert_with_a_used_version_or_of_an_existing_row_fails()
    {
        var data = await _table.ReadAll();
        var next = data.Version.Next();
        var entry = TestEntries.Create();

        Assert.True(await _table.InsertRow(entry, next));
        Assert.False(await _table.InsertRow(entry, next)); // same row, stale table etag
        Assert.False(await _table.InsertRow(TestEntries.Create(), next)); // new row, stale table etag

        data = await _table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.False(await _table.InsertRow(entry, data.Version.Next())); // current etag, row exists

        data = await _table.ReadAll();
        Assert.Single(data.Members);

        var row = await _table.ReadRow(entry.SiloAddress);
        Assert.Equal(next.Version, row.Version.Version);
        Assert.NotEqual(next.VersionEtag, row.Version.VersionEtag);
        var (read, etag) = Assert.Single(row.Members);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(entry.ToFullString(), read.ToFullString());
    }

    [Fact]
    public async Task ReadAll_after_insert_returns_the_row_with_the_new_version()
    {
        var data = await _table.ReadAll();
        var next = data.Version.Next();
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, next));

        data = await _table.ReadAll();

        var (read, etag) = Assert.Single(data.Members);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(entry.ToFullString(), read.ToFullString());
        Assert.Equal(next.Version, data.Version.Version);
        Assert.NotEqual(next.VersionEtag, data.Version.VersionEtag);
    }

    [Fact]
    public async Task ReadRow_of_a_missing_silo_returns_no_row_and_the_version()
    {
        Assert.True(await _table.InsertRow(TestEntries.Create(), (await _table.ReadAll()).Version.Next()));

        var data = await _table.ReadRow(TestEntries.NewSiloAddress());

        Assert.Empty(data.Members);
        Assert.Equal(1, data.Version.Version);
        Assert.Equal((await _table.ReadAll()).Version.VersionEtag, data.Version.VersionEtag);
    }

    [Fact]
    public async Task UpdateRow_needs_the_current_table_etag_and_keeps_the_row_etag_on_failure()
    {
        var data = await _table.ReadAll();
        Assert.Equal(0, data.Version.Version);

        for (var i = 1; i <= 6; i++)
        {
            var entry = TestEntries.Create();
            entry.SuspectTimes =
            [
                Tuple.Create(TestEntries.NewSiloAddress(), TestEntries.NowSeconds().AddSeconds(1)),
                Tuple.Create(TestEntries.NewSiloAddress(), TestEntries.NowSeconds().AddSeconds(2)),
            ];

            var inserted = data.Version.Next();
            Assert.True(await _table.InsertRow(entry, inserted));
            data = await _table.ReadAll();
            var etagBefore = data.TryGet(entry.SiloAddress)?.Item2;
            Assert.NotNull(etagBefore);

            // The version used for the insert is stale now.
            Assert.False(await _table.UpdateRow(entry, etagBefore, inserted));
            data = await _table.ReadAll();

            var next = data.Version.Next();
            entry.Status = SiloStatus.Active;
            Assert.True(await _table.UpdateRow(entry, etagBefore, next));

            // Neither the old row etag nor the version just used is current.
            Assert.False(await _table.UpdateRow(entry, etagBefore, next));

            data = await _table.ReadAll();
            var row = data.TryGet(entry.SiloAddress);
            Assert.NotNull(row);
            Assert.Equal(entry.ToFullString(), row.Item1.ToFullString());
            var etagAfter = row.Item2;
            Assert.NotEqual(etagBefore, etagAfter);

            // Right row etag, stale version: refused, and nothing changes.
            Assert.False(await _table.UpdateRow(entry, etagAfter, next));
            data = await _table.ReadAll();
            Assert.Equal(etagAfter, data.TryGet(entry.SiloAddress)?.Item2);
            Assert.Equal(next.Version, data.Version.Version);
            Assert.Equal(i, data.Members.Count);
        }
    }

    [Fact]
    public async Task UpdateRow_with_a_wrong_row_etag_or_of_a_missing_row_fails()
    {
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var data = await _table.ReadAll();
        var etag = data.Members[0].Item2;

        Assert.False(await _table.UpdateRow(entry, etag + "0", data.Version.Next()));
        Assert.False(await _table.UpdateRow(TestEntries.Create(), etag, data.Version.Next()));

        var after = await _table.ReadAll();
        Assert.Equal(data.Version, after.Version);
        Assert.True(await _table.UpdateRow(entry, etag, after.Version.Next()));
    }

    [Fact]
    public async Task Concurrent_inserts_and_updates_each_have_one_winner_per_version()
    {
        var entry = TestEntries.Create();
        var next = (await _table.ReadAll()).Version.Next();

        var inserts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => _table.InsertRow(entry, next))));
        Assert.Single(inserts, ok => ok);

        // 19 writers, each retrying read-then-update until its update wins once.
        var wins = 0;
        await Task.WhenAll(Enumerable.Range(0, 19).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var data = await _table.ReadAll();
                var row = data.TryGet(entry.SiloAddress);
                Assert.NotNull(row);
                if (await _table.UpdateRow(row.Item1, row.Item2, data.Version.Next()))
                {
                    Interlocked.Increment(ref wins);
                    return;
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        var final = await _table.ReadAll();
        Assert.Equal(19, wins);
        Assert.Equal(20, final.Version.Version);
        Assert.Single(final.Members);
    }

    [Fact]
    public async Task UpdateIAmAlive_writes_the_time_and_leaves_the_version_alone()
    {
        var entry = TestEntries.Create();
        var next = (await _table.ReadAll()).Version.Next();
        Assert.True(await _table.InsertRow(entry, next));
        var before = await _table.ReadAll();

        var alive = DateTime.UtcNow.AddSeconds(5);
        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var after = await _table.ReadAll();
        var member = after.Members.Single(m => m.Item1.SiloAddress.Equals(entry.SiloAddress)).Item1;
        Assert.True((alive - member.IAmAliveTime).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Equal(next.Version, after.Version.Version);
        Assert.Equal(before.Version.VersionEtag, after.Version.VersionEtag);
        Assert.Equal(SiloStatus.Joining, member.Status);
        Assert.Equal(entry.SiloName, member.SiloName);
    }

    [Fact]
    public async Task Row_etag_is_heartbeat_neutral()
    {
        var entry = TestEntries.Create();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadRow(entry.SiloAddress);
        var etag = read.Members[0].Item2;

        for (var i = 1; i <= 5; i++)
        {
            await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = DateTime.UtcNow.AddSeconds(i) });
        }

        var afterBeats = await _table.ReadAll();
        Assert.Equal(etag, afterBeats.Members[0].Item2);
        Assert.Equal(read.Version, afterBeats.Version);

        // The etag and version read before the heartbeats still work.
        entry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(entry, etag, read.Version.Next()));
        var after = await _table.ReadRow(entry.SiloAddress);
        Assert.Equal(SiloStatus.Active, after.Members[0].Item1.Status);
        Assert.Equal(2, after.Version.Version);
    }

    [Fact]
    public async Task Cleanup_removes_old_entries_that_are_not_active()
    {
        var data = await _table.ReadAll();

        var oldDead = Old(TestEntries.Create(SiloStatus.Dead));
        Assert.True(await _table.InsertRow(oldDead, data.Version.Next()));
        var oldJoining = Old(TestEntries.Create(SiloStatus.Joining));
        Assert.True(await _table.InsertRow(oldJoining, (await _table.ReadAll()).Version.Next()));
        var fresh = TestEntries.Create();
        Assert.True(await _table.InsertRow(fresh, (await _table.ReadAll()).Version.Next()));
        Assert.Equal(3, (await _table.ReadAll()).Members.Count);

        // One old entry of every status: only the Active one survives.
        foreach (var status in Enum.GetValues<SiloStatus>())
        {
            Assert.True(await _table.InsertRow(Old(TestEntries.Create(status)), (await _table.ReadAll()).Version.Next()));
        }

        // An old Dead row with a recent suspicion vote was updated recently: it stays.
        var recentlyDeclared = Old(TestEntries.Create(SiloStatus.Dead));
        recentlyDeclared.SuspectTimes = [Tuple.Create(fresh.SiloAddress, DateTime.UtcNow)];
        Assert.True(await _table.InsertRow(recentlyDeclared, (await _table.ReadAll()).Version.Next()));

        var versionBefore = (await _table.ReadAll()).Version;
        await _table.CleanupDefunctSiloEntries(oldDead.IAmAliveTime.AddDays(3));

        data = await _table.ReadAll();
        Assert.Equal(3, data.Members.Count);
        Assert.Contains(data.Members, m => m.Item1.SiloAddress.Equals(fresh.SiloAddress));
        Assert.Contains(data.Members, m => m.Item1.Status == SiloStatus.Active);
        Assert.Contains(data.Members, m => m.Item1.SiloAddress.Equals(recentlyDeclared.SiloAddress));
        Assert.Equal(versionBefore, data.Version); // cleanup is not a membership change

        static MembershipEntry Old(MembershipEntry entry)
        {
            entry.IAmAliveTime = entry.IAmAliveTime.AddDays(-10);
            entry.StartTime = entry.StartTime.AddDays(-10);
            return entry;
        }
    }

    [Fact]
    public async Task Delete_entries_removes_the_cluster_and_a_new_table_starts_empty()
    {
        var other = "other-" + Guid.NewGuid();
        using var otherTable = new KubernetesMembershipTable(
            Options.Create(_api.MembershipOptions()), Options.Create(new ClusterOptions { ClusterId = other }), _loggerFactory);
        await otherTable.InitializeMembershipTable(true);
        Assert.True(await otherTable.InsertRow(TestEntries.Create(), (await otherTable.ReadAll()).Version.Next()));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await _table.InsertRow(TestEntries.Create(), (await _table.ReadAll()).Version.Next()));
        }

        await _table.DeleteMembershipTableEntries(_clusterId);

        using var raw = _api.Connect();
        Assert.Empty(await ResourceProbe.SiloNamesAsync(raw, _clusterId));
        Assert.Null(await ResourceProbe.ClusterVersionAsync(raw, _clusterId));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _table.ReadAll());

        // The other cluster in the same namespace is untouched.
        Assert.Single((await otherTable.ReadAll()).Members);
        await otherTable.DeleteMembershipTableEntries(other);

        await _table.InitializeMembershipTable(true);
        var data = await _table.ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    [Fact]
    public async Task Many_silos_round_trip_every_field()
    {
        var entries = new List<MembershipEntry>();
        for (var i = 0; i < 25; i++)
        {
            var entry = TestEntries.Create((SiloStatus)(i % 7));
            entry.SiloName = $"node-{i}";
            entry.RoleName = i % 2 == 0 ? null : "role-" + i;
            entry.UpdateZone = i;
            entry.FaultZone = 100 + i;
            entry.StartTime = DateTime.UtcNow.AddMinutes(-i);
            entry.IAmAliveTime = DateTime.UtcNow;
            entry.SuspectTimes = i % 3 == 0 ? null : [Tuple.Create(TestEntries.NewSiloAddress(), DateTime.UtcNow.AddSeconds(-i))];
            entries.Add(entry);
            Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        }

        var data = await _table.ReadAll();

        Assert.Equal(25, data.Version.Version);
        Assert.Equal(25, data.Members.Count);
        foreach (var entry in entries)
        {
            var read = data.TryGet(entry.SiloAddress);
            Assert.NotNull(read);
            Assert.Equal(entry.ToFullString(), read.Item1.ToFullString());
            Assert.Equal(entry.StartTime, read.Item1.StartTime);
            Assert.Equal(entry.IAmAliveTime, read.Item1.IAmAliveTime);
        }

        var etags = data.Members.Select(m => m.Item2).ToList();
        Assert.Equal(etags.Count, etags.Distinct().Count());
    }

    [Fact]
    public async Task Gateways_are_the_active_silos_with_a_proxy_port()
    {
        var entries = Enumerable.Range(0, 10).Select(_ => TestEntries.Create()).ToArray();
        entries[3].Status = SiloStatus.Active;
        entries[3].ProxyPort = 0;
        entries[5].Status = SiloStatus.Active;
        entries[9].Status = SiloStatus.Active;
        Assert.Empty(await _gateways.GetGateways());

        foreach (var entry in entries)
        {
            Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        }

        var gateways = (await _gateways.GetGateways()).Select(u => u.ToString()).ToList();

        Assert.Equal(2, gateways.Count);
        Assert.Contains(entries[5].SiloAddress.ToGatewayUri().ToString(), gateways);
        Assert.Contains(entries[9].SiloAddress.ToGatewayUri().ToString(), gateways);
        Assert.True(_gateways.IsUpdatable);
        Assert.Equal(new GatewayOptions().GatewayListRefreshPeriod, _gateways.MaxStaleness);
    }
}

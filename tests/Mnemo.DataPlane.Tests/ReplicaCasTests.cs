using System.Buffers;
using Mnemo.NativeEngine;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// One CAS per write across the replicas of a shard: every replica stores the CAS the set chose, so
/// a gets through one gateway and a cas through another agree, and racing cas store exactly once.
/// Each "gateway" is a replica set with its own preferred replica and CAS clock ordinal.
/// </summary>
public sealed class ReplicaCasTests : IAsyncLifetime
{
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Every_write_leaves_the_same_cas_on_every_replica()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 1, casClock: new CasClock(1));
        CacheResult stored = await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("10"), 3, 0);
        AssertEveryReplicaHas("k", "10", stored.Cas);
        Assert.Equal(1UL, stored.Cas & CasClock.MaxOrdinal);

        CacheResult appended = await set.StoreAsync(CacheStoreMode.Append, Bytes.Of("k"), Bytes.Of("0"), 0, 0);
        Assert.True(appended.Cas > stored.Cas);
        AssertEveryReplicaHas("k", "100", appended.Cas);

        CacheResult incremented = await set.ArithmeticAsync(Bytes.Of("k"), decrement: false, 5);
        Assert.Equal(105UL, incremented.Number);
        AssertEveryReplicaHas("k", "105", incremented.Cas);

        CacheResult invalidated = await set.DeleteAsync(Bytes.Of("k"), new CacheWriteOptions(Invalidate: true));
        Assert.Equal(CacheStatus.Ok, invalidated.Status);
        ulong cas = AssertEveryReplicaHas("k", "105", expectedCas: null);
        Assert.True(cas > incremented.Cas);
        Assert.All(_cluster.Nodes, node => Assert.Equal(ItemState.Stale, Info(node, "k").State & ItemState.Stale));

        // A CAS the client chose (E) is the version as it is; one older than the key's version is ordered before it.
        ulong chosen = cas + 1000;
        CacheResult explicitCas = await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("e"), 0, 0, new CacheWriteOptions(CasNew: chosen));
        Assert.Equal(chosen, explicitCas.Cas);
        AssertEveryReplicaHas("k", "e", chosen);
        Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("older"), 0, 0, new CacheWriteOptions(CasNew: 4242))).Status);
        AssertEveryReplicaHas("k", "e", chosen);
    }

    [Fact]
    public async Task Gets_through_one_gateway_then_cas_through_another_is_stored()
    {
        ReplicaSet first = _cluster.CreateSet(WriteQuorum.All, preferred: 1, casClock: new CasClock(1));
        ReplicaSet second = _cluster.CreateSet(WriteQuorum.All, preferred: 2, casClock: new CasClock(2));
        for (int round = 0; round < 20; round++)
        {
            string key = $"key-{round}";
            Assert.Equal(CacheStatus.Ok, (await second.StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of("old"), 0, 0)).Status);
            CacheResult gets = await first.GetAsync(Bytes.Of(key), new ArrayBufferWriter<byte>());
            Assert.Equal(CacheStatus.Ok, gets.Status);

            CacheResult cas = await second.StoreAsync(CacheStoreMode.Cas, Bytes.Of(key), Bytes.Of("new"), 0, 0, new CacheWriteOptions(CasIn: gets.Info.Cas));

            Assert.Equal(CacheStatus.Ok, cas.Status);
            AssertEveryReplicaHas(key, "new", cas.Cas);
            // The old unique is spent everywhere.
            CacheResult again = await first.StoreAsync(CacheStoreMode.Cas, Bytes.Of(key), Bytes.Of("late"), 0, 0, new CacheWriteOptions(CasIn: gets.Info.Cas));
            Assert.Equal(CacheStatus.Exists, again.Status);
        }
    }

    [Fact]
    public async Task Racing_cas_with_the_same_unique_store_exactly_once()
    {
        ReplicaSet first = _cluster.CreateSet(WriteQuorum.All, preferred: 1, casClock: new CasClock(1));
        ReplicaSet second = _cluster.CreateSet(WriteQuorum.All, preferred: 2, casClock: new CasClock(2));
        for (int round = 0; round < 50; round++)
        {
            string key = $"race-{round}";
            CacheResult stored = await first.StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of("start"), 0, 0);
            var options = new CacheWriteOptions(CasIn: stored.Cas);
            Task<CacheResult> a = Task.Run(() => first.StoreAsync(CacheStoreMode.Cas, Bytes.Of(key), Bytes.Of("a"), 0, 0, options).AsTask());
            Task<CacheResult> b = Task.Run(() => second.StoreAsync(CacheStoreMode.Cas, Bytes.Of(key), Bytes.Of("b"), 0, 0, options).AsTask());
            CacheResult[] results = await Task.WhenAll(a, b);

            Assert.Equal(1, results.Count(r => r.Status == CacheStatus.Ok));
            Assert.Equal(1, results.Count(r => r.Status == CacheStatus.Exists));
            CacheResult winner = results.Single(r => r.Status == CacheStatus.Ok);
            AssertEveryReplicaHas(key, winner == results[0] ? "a" : "b", winner.Cas);
        }
    }

    [Fact]
    public async Task A_vivifying_read_is_copied_to_every_replica_with_its_cas_and_the_win_is_given_once()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.All, preferred: 2, casClock: new CasClock(3));
        var lease = new CacheReadOptions(VivifyExptime: 300);
        CacheResult created = await set.GetAsync(Bytes.Of("lease"), new ArrayBufferWriter<byte>(), lease);

        Assert.Equal(CacheStatus.Ok, created.Status);
        Assert.Equal(CacheItemState.Vivified | CacheItemState.Won, created.Info.State);
        AssertEveryReplicaHas("lease", "", created.Info.Cas);
        Assert.Equal(3UL, created.Info.Cas & CasClock.MaxOrdinal);

        CacheResult second = await set.GetAsync(Bytes.Of("lease"), new ArrayBufferWriter<byte>(), lease);
        Assert.Equal(CacheItemState.TokenSent, second.Info.State);
        Assert.Equal(created.Info.Cas, second.Info.Cas);
    }

    [Fact]
    public async Task After_writes_and_a_resync_every_replica_holds_identical_items_and_cas()
    {
        ReplicaSet set = _cluster.CreateSet(WriteQuorum.Majority, preferred: 1, casClock: new CasClock(7));
        for (int i = 0; i < 300; i++)
        {
            string key = $"k{i}";
            await set.StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of($"v{i}"), (uint)i, i % 4 == 0 ? 3600 : 0);
            if (i % 3 == 0)
            {
                await set.StoreAsync(CacheStoreMode.Append, Bytes.Of(key), Bytes.Of("+"), 0, 0);
            }
            if (i % 10 == 0)
            {
                await set.DeleteAsync(Bytes.Of(key), new CacheWriteOptions(Invalidate: true));
            }
        }
        await _cluster.Nodes[2].RestartAsync(emptyPool: true);
        set.MarkNeedsResync(2);
        Assert.True(await _cluster.WaitReachableAsync(2));

        Assert.True(await set.ResyncAsync(2));

        Dictionary<string, ScannedVersion> expected = Versions(_cluster.Nodes[0]);
        Assert.Equal(300, expected.Count);
        Assert.Equal(30, expected.Values.Count(v => v.Stale));
        foreach (TestNode node in _cluster.Nodes)
        {
            Dictionary<string, ScannedVersion> actual = Versions(node);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach ((string key, ScannedVersion version) in expected)
            {
                Assert.Equal(version with { Exptime = 0 }, actual[key] with { Exptime = 0 });
                // Each replica resolves a relative TTL with its own clock when it applies the write.
                Assert.InRange(actual[key].Exptime, version.Exptime - 1, version.Exptime + 1);
            }
        }
    }

    private readonly record struct ScannedVersion(string Value, uint Flags, long Exptime, ulong Cas, bool Stale);

    private static Dictionary<string, ScannedVersion> Versions(TestNode node)
    {
        var versions = new Dictionary<string, ScannedVersion>();
        node.Pool.Scan(node.Region, EnginePool.LiveView, (key, value, in info) =>
        {
            versions[Bytes.Text(key)] = new ScannedVersion(Bytes.Text(value), info.Flags, info.Exptime, info.Cas, (info.State & ItemState.Stale) != 0);
            return true;
        });
        return versions;
    }

    /// <summary>Asserts every node holds <paramref name="value"/> with the same CAS (the one expected, when given); returns that CAS.</summary>
    private ulong AssertEveryReplicaHas(string key, string value, ulong? expectedCas)
    {
        ulong[] cas = _cluster.Nodes.Select(node =>
        {
            Assert.Equal(value, node.ValueOn(key));
            return Info(node, key).Cas;
        }).ToArray();
        Assert.Single(cas.Distinct());
        if (expectedCas is { } expected)
        {
            Assert.Equal(expected, cas[0]);
        }
        return cas[0];
    }

    private static ItemInfo Info(TestNode node, string key)
    {
        Assert.Equal(EngineStatus.Ok, node.Pool.TryGet(node.Region, Bytes.Of(key), new byte[4096], out _, out ItemInfo info));
        return info;
    }
}

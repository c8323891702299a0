using Mnemo.NativeEngine;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Replicas converge whatever the gateways: several replica sets (each a gateway with its own CAS
/// clock and its own connections, so their writes reach the replicas in different orders) write the
/// same keys at once, and afterwards every replica holds the same item for every key, compared on
/// the replicas' engines directly.
/// </summary>
public sealed class ReplicaConvergenceTests : IAsyncLifetime
{
    private const int Keys = 40;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Concurrent_sets_and_deletes_from_three_gateways_leave_identical_replicas()
    {
        // Every key is written by every gateway at the same moment, many writes in flight: the last write of
        // each key is a race, so without one order per key about half of them would differ.
        ReplicaSet[] gateways = Gateways(3);
        const int RaceKeys = 2000;
        for (int from = 0; from < RaceKeys; from += 64)
        {
            // The batch's writes of all gateways are in flight together; which gateway issues a key's write
            // first rotates, so the local replica (which applies at once) and the remote ones (which apply
            // as each gateway's connection delivers) see different orders.
            var inFlight = new List<Task>();
            for (int k = from; k < Math.Min(from + 64, RaceKeys); k++)
            {
                for (int i = 0; i < gateways.Length; i++)
                {
                    int g = (k + i) % gateways.Length;
                    byte[] key = Bytes.Of($"race{k}");
                    inFlight.Add((k + g) % 7 == 0
                        ? gateways[g].DeleteAsync(key).AsTask()
                        : gateways[g].StoreAsync(CacheStoreMode.Set, key, Bytes.Of($"g{g}"), (uint)g, 0).AsTask());
                }
            }
            await Task.WhenAll(inFlight);
        }

        _cluster.AssertReplicasIdentical(Enumerable.Range(0, RaceKeys).Select(k => $"race{k}"));
    }

    [Fact]
    public async Task Mixed_commands_from_three_gateways_leave_identical_replicas()
    {
        ReplicaSet[] gateways = Gateways(3);
        await Task.WhenAll(gateways.Select((gateway, g) => Task.Run(async () =>
        {
            var random = new Random(100 + g);
            for (int n = 0; n < 2000; n++)
            {
                byte[] key = Bytes.Of($"k{random.Next(Keys)}");
                switch (random.Next(8))
                {
                    case 0: await gateway.DeleteAsync(key); break;
                    case 1: await gateway.StoreAsync(CacheStoreMode.Add, key, Bytes.Of("1"), 0, 0); break;
                    case 2: await gateway.StoreAsync(CacheStoreMode.Append, key, Bytes.Of("0"), 0, 0); break;
                    case 3: await gateway.StoreAsync(CacheStoreMode.Prepend, key, Bytes.Of("1"), 0, 0); break;
                    case 4: await gateway.ArithmeticAsync(key, decrement: false, 3); break;
                    case 5: await gateway.DeleteAsync(key, new CacheWriteOptions(Invalidate: true)); break;
                    default: await gateway.StoreAsync(CacheStoreMode.Set, key, Bytes.Of($"{n}"), (uint)g, 0); break;
                }
            }
        })));

        AssertReplicasIdentical();
    }

    [Fact]
    public async Task Increments_from_several_gateways_sum_exactly()
    {
        ReplicaSet[] gateways = Gateways(3);
        Assert.Equal(CacheStatus.Ok, (await gateways[0].StoreAsync(CacheStoreMode.Set, Bytes.Of("counter"), Bytes.Of("0"), 0, 0)).Status);
        const int PerGateway = 500;
        await Task.WhenAll(gateways.Select(gateway => Task.Run(async () =>
        {
            for (int n = 0; n < PerGateway; n++)
            {
                Assert.Equal(CacheStatus.Ok, (await gateway.ArithmeticAsync(Bytes.Of("counter"), decrement: false, 1)).Status);
            }
        })));

        Assert.All(_cluster.Nodes, node => Assert.Equal($"{gateways.Length * PerGateway}", node.ValueOn("counter")));
        AssertReplicasIdentical();
    }

    [Fact]
    public async Task Racing_cas_from_several_gateways_store_once_per_version()
    {
        ReplicaSet[] gateways = Gateways(3);
        await gateways[0].StoreAsync(CacheStoreMode.Set, Bytes.Of("c"), Bytes.Of("0"), 0, 0);
        int successes = 0;
        await Task.WhenAll(gateways.Select((gateway, g) => Task.Run(async () =>
        {
            for (int n = 0; n < 200; n++)
            {
                var read = new System.Buffers.ArrayBufferWriter<byte>();
                CacheResult gets = await gateway.GetAsync(Bytes.Of("c"), read);
                int value = int.Parse(Bytes.Text(read.WrittenSpan));
                CacheResult cas = await gateway.StoreAsync(CacheStoreMode.Cas, Bytes.Of("c"), Bytes.Of($"{value + 1}"), 0, 0,
                    new CacheWriteOptions(CasIn: gets.Info.Cas));
                if (cas.Status == CacheStatus.Ok)
                {
                    Interlocked.Increment(ref successes);
                }
            }
        })));

        // Each success moved the counter by one from the value its gets saw: no two won on one version.
        Assert.All(_cluster.Nodes, node => Assert.Equal($"{successes}", node.ValueOn("c")));
        AssertReplicasIdentical();
    }

    /// <summary>Replica sets over the same replicas as gateways on distinct silos see them, reading from distinct replicas.</summary>
    [Fact]
    public async Task A_delete_one_replica_missed_stays_on_every_replica_when_an_older_write_arrives_after_the_link_returns()
    {
        var lateClock = new CasClock(2);
        ReplicaSet deleting = _cluster.CreateSet(WriteQuorum.Majority, casClock: new CasClock(1));
        Assert.Equal(CacheStatus.Ok, await deleting.SetAsync("k", "v1"));
        // Another gateway stamps a set of the key now; it is delayed and arrives after everything below.
        ulong lateVersion = lateClock.Next();

        await _cluster.Nodes[2].KillAsync();
        Assert.Equal(CacheStatus.Ok, (await deleting.DeleteAsync(Bytes.Of("k"))).Status);
        Assert.Equal(ReplicaState.Unreachable, deleting.GetState(2));
        await _cluster.Nodes[2].RestartAsync(emptyPool: false);
        Assert.True(await deleting.RepairUntilInSyncAsync(2));

        ReplicaSet late = _cluster.CreateSet(WriteQuorum.All, casClock: lateClock);
        // Ordered before the delete on every replica: applied and overwritten, as far as the client can tell.
        Assert.Equal(CacheStatus.Ok,
            (await late.StoreAsync(CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("late"), 0, 0, new CacheWriteOptions(CasNew: lateVersion))).Status);

        Assert.All(_cluster.Nodes, node => Assert.Null(node.ValueOn("k")));
        _cluster.AssertReplicasIdentical(["k"]);
        Assert.Equal(0, (await late.CompareAsync(repair: false, maxReportedKeys: 10)).DifferingKeys);
    }

    private ReplicaSet[] Gateways(int count) =>
        Enumerable.Range(0, count).Select(g => _cluster.CreateSet(WriteQuorum.All, preferred: g % _cluster.Nodes.Length, casClock: new CasClock(g + 1)))
            .ToArray();

    private void AssertReplicasIdentical() =>
        _cluster.AssertReplicasIdentical(Enumerable.Range(0, Keys).Select(k => $"k{k}").Append("counter").Append("c"));

}

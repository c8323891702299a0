using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// A Memshack moved between topologies while two gateways write and read it, driven step by step as
/// the silos' coordinator drives it: both gateways mirror into the next topology, every shard is
/// copied from one of its replicas, writes are held while both gateways turn, and each node then
/// drops what it no longer holds. Acknowledged writes and keys written before must survive, the
/// replicas of every new shard must be identical and hold exactly their keys, and only the keys Ch3
/// routes elsewhere may move.
/// </summary>
public sealed class MemshackMoveTests : IAsyncLifetime
{
    private const string Memshack = "default/moving";
    private const int Preloaded = 10_000;
    private readonly List<PeerConnection> _peers = [];
    private readonly List<EngineRegionStore> _locals = [];
    private TestNode[] _nodes = [];

    public async Task InitializeAsync()
    {
        _nodes = [await TestNode.StartAsync("node-0"), await TestNode.StartAsync("node-1"), await TestNode.StartAsync("node-2")];
    }

    public async Task DisposeAsync()
    {
        foreach (PeerConnection peer in _peers)
        {
            await peer.DisposeAsync();
        }
        _locals.ForEach(l => l.Dispose());
        foreach (TestNode node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resharding_under_load_loses_no_acknowledged_write_and_moves_only_what_Ch3_moves()
    {
        (int Shards, int Replicas)[] topologies = [(3, 2), (5, 2), (2, 3), (2, 1)];
        var clocks = new[] { new CasClock(0), new CasClock(1) };
        MemshackStore[] gateways = clocks.Select((clock, g) => new MemshackStore(Build(topologies[0], clock, $"gateway-{g}"), clock)).ToArray();
        for (int k = 0; k < Preloaded; k++)
        {
            Assert.Equal(CacheStatus.Ok, (await gateways[k % 2].StoreAsync(CacheStoreMode.Set, Bytes.Of($"pre-{k}"), Bytes.Of($"v{k}"), (uint)k, 0)).Status);
        }

        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentDictionary<string, string?>();
        long[] counters = new long[2];
        Task[] writers = gateways.Select((gateway, g) => WriteAsync(gateway, g, acknowledged, counters, stop.Token)).ToArray();
        Task<(int, string?)> reader = ReadPreloadedAsync(gateways, stop.Token);

        for (int t = 1; t < topologies.Length; t++)
        {
            (long moved, long scanned) = await MoveAsync(gateways, clocks, topologies[t - 1], topologies[t]);
            long predicted = PreloadedKeysChangingShard(topologies[t - 1].Shards, topologies[t].Shards);
            if (topologies[t - 1].Shards != topologies[t].Shards)
            {
                // Ch3 moves a key only when its shard changes: every preloaded key that does, plus at most the keys written under load.
                Assert.InRange(moved, predicted, predicted + (scanned - Preloaded));
                double theory = Math.Abs(topologies[t].Shards - topologies[t - 1].Shards) / (double)Math.Max(topologies[t].Shards, topologies[t - 1].Shards);
                Assert.InRange(predicted / (double)Preloaded, theory - 0.01, theory + 0.01);
            }
            else
            {
                Assert.Equal(0, moved);
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        (int failedReads, string? firstFailure) = await reader;
        Assert.True(failedReads == 0, $"{failedReads} reads of keys written before failed; the first: {firstFailure}");

        // Every acknowledged write, through both gateways and on every replica of the final topology.
        foreach (MemshackStore gateway in gateways)
        {
            foreach ((string key, string? value) in acknowledged)
            {
                Assert.Equal(value, await ReadAsync(gateway, key));
            }
            for (int g = 0; g < 2; g++)
            {
                Assert.Equal(counters[g].ToString(), await ReadAsync(gateway, $"ctr-{g}"));
            }
        }
        AssertReplicasHoldTheirKeys(topologies[^1]);
    }

    [Fact]
    public async Task A_joining_node_gets_the_copy_of_its_new_replicas_and_the_nodes_already_holding_a_shard_get_none()
    {
        string[] before = ["node-0", "node-1"], after = ["node-0", "node-1", "node-2"];
        IReadOnlyList<IReadOnlyList<string>> fromMap = ReplicaPlacement.ShardMap(Memshack, 3, 2, before);
        IReadOnlyList<IReadOnlyList<string>> toMap = ReplicaPlacement.ShardMap(Memshack, 3, 2, after);
        var clock = new CasClock(0);
        ShardedCacheStore current = Build(fromMap, clock, "gateway-0");
        for (int k = 0; k < Preloaded; k++)
        {
            Assert.Equal(CacheStatus.Ok, (await current.StoreAsync(CacheStoreMode.Set, Bytes.Of($"pre-{k}"), Bytes.Of($"v{k}"), 0, 0)).Status);
        }
        CountingReplica[][] counted = toMap.Select((nodes, shard) => nodes.Select(node => new CountingReplica(Replica(node, shard))).ToArray()).ToArray();
        var next = new ShardedCacheStore(counted.Select(replicas => (IAsyncCacheStore)new ReplicaSet(replicas,
            new ReplicaSetOptions { GatewayName = "gateway-0", CasClock = clock }, TestLogging.Factory.CreateLogger<ReplicaSet>())).ToArray());

        var router = new Ch3Router(3);
        int addedReplicas = 0;
        for (int shard = 0; shard < 3; shard++)
        {
            bool[] isNew = toMap[shard].Select(node => !fromMap[shard].Contains(node)).ToArray();
            var move = new ShardMove(Replica(fromMap[shard][0], shard), shard, next, counted[shard].Where((_, i) => isNew[i]).ToArray());
            await move.RunAsync();

            int items = Enumerable.Range(0, Preloaded).Count(k => router.ShardOf(Bytes.Of($"pre-{k}")) == shard);
            Assert.Equal(isNew.Any(n => n) ? items : 0, move.Copied);
            for (int i = 0; i < isNew.Length; i++)
            {
                Assert.True((isNew[i] ? items : 0) == counted[shard][i].Stores, $"shard {shard} on {toMap[shard][i]} (new: {isNew[i]}): {counted[shard][i].Stores} stores");
            }
            string region = MemshackRegions.Of("default", "moving", shard);
            SortedDictionary<string, string> source = Items(Node(fromMap[shard][0]), region);
            Assert.Equal(items, source.Count);
            Assert.All(toMap[shard], node => Assert.Equal(source, Items(Node(node), region)));
            addedReplicas += isNew.Count(n => n);
        }
        // node-2 takes its share of the 6 replicas: 2 of them.
        Assert.Equal(2, addedReplicas);
    }

    /// <summary>Moves both gateways from <paramref name="from"/> to <paramref name="to"/>; the keys moved and scanned.</summary>
    private async Task<(long Moved, long Scanned)> MoveAsync(MemshackStore[] gateways, CasClock[] clocks, (int Shards, int Replicas) from,
        (int Shards, int Replicas) to)
    {
        IReadOnlyList<IReadOnlyList<string>> fromMap = Map(from), toMap = Map(to);
        bool[] unchanged = Enumerable.Range(0, from.Shards).Select(s => s < to.Shards && toMap[s].All(fromMap[s].Contains)).ToArray();
        ShardedCacheStore[] next = gateways.Select((_, g) => Build(to, clocks[g], $"gateway-{g}")).ToArray();
        await Task.WhenAll(gateways.Select((gateway, g) => gateway.BeginMoveAsync(next[g], unchanged)));

        long moved = 0, scanned = 0;
        for (int shard = 0; shard < from.Shards; shard++)
        {
            IReplica[] added = shard < to.Shards ? toMap[shard].Where(node => !fromMap[shard].Contains(node)).Select(node => Replica(node, shard)).ToArray() : [];
            var move = new ShardMove(Replica(fromMap[shard][0], shard), shard, next[0], added, chunkBytes: 16 * 1024);
            await move.RunAsync();
            moved += move.Moved;
            scanned += move.Scanned;
        }

        await Task.WhenAll(gateways.Select(gateway => gateway.Fence.HoldAsync(TimeSpan.FromSeconds(5))));
        foreach (MemshackStore gateway in gateways)
        {
            gateway.CompleteMove();
        }

        var router = new Ch3Router(to.Shards);
        foreach (TestNode node in _nodes)
        {
            foreach (RegionStats region in node.Pool.ListRegions().Where(r => r.Name.StartsWith("memshack.", StringComparison.Ordinal)).ToList())
            {
                int shard = MemshackRegions.ShardOf(region.Name, "default", "moving");
                if (shard < to.Shards && toMap[shard].Contains(node.Name))
                {
                    await ShardMove.RemoveMovedKeysAsync(Replica(node.Name, shard), shard, router);
                }
                else
                {
                    node.Pool.DropRegion(region.Region);
                }
            }
        }
        return (moved, scanned);
    }

    private static async Task WriteAsync(MemshackStore gateway, int g, ConcurrentDictionary<string, string?> acknowledged, long[] counters,
        CancellationToken stop)
    {
        var random = new Random(7 + g);
        Assert.Equal(CacheStatus.Ok, (await gateway.StoreAsync(CacheStoreMode.Set, Bytes.Of($"ctr-{g}"), Bytes.Of("0"), 0, 0)).Status);
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string key = $"live-{g}-{random.Next(500)}";
            switch (random.Next(4))
            {
                case 0:
                    if ((await gateway.DeleteAsync(Bytes.Of(key))).Status is CacheStatus.Ok or CacheStatus.NotFound)
                        acknowledged[key] = null;
                    break;
                case 1:
                    if ((await gateway.ArithmeticAsync(Bytes.Of($"ctr-{g}"), decrement: false, 1)).Status == CacheStatus.Ok)
                        counters[g]++;
                    break;
                default:
                    if ((await gateway.StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of($"w{n}"), 0, 0)).Status == CacheStatus.Ok)
                        acknowledged[key] = $"w{n}";
                    break;
            }
        }
    }

    /// <summary>Reads keys written before the moves through both gateways until stopped; the number of reads that missed or differed.</summary>
    private static async Task<(int Failed, string? First)> ReadPreloadedAsync(MemshackStore[] gateways, CancellationToken stop)
    {
        int failed = 0;
        string? first = null;
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            int k = (int)((long)n * 7919 % Preloaded);
            var value = new ArrayBufferWriter<byte>();
            CacheResult read = await gateways[n % 2].GetAsync(Bytes.Of($"pre-{k}"), value);
            if (read.Status != CacheStatus.Ok || Bytes.Text(value.WrittenSpan) != $"v{k}")
            {
                failed++;
                first ??= $"pre-{k} through gateway {n % 2}: {read.Status} '{Bytes.Text(value.WrittenSpan)}' (shard {gateways[n % 2].Current.ShardOf(Bytes.Of($"pre-{k}"))} of {gateways[n % 2].Current.ShardCount}, moving: {gateways[n % 2].Next is not null})";
            }
        }
        return (failed, first);
    }

    private static async Task<string?> ReadAsync(IAsyncCacheStore store, string key)
    {
        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await store.GetAsync(Bytes.Of(key), value);
        return read.Status == CacheStatus.Ok ? Bytes.Text(value.WrittenSpan) : null;
    }

    /// <summary>Each shard's replicas hold the same items, and only keys Ch3 routes to that shard; no node holds a region it should not.</summary>
    private void AssertReplicasHoldTheirKeys((int Shards, int Replicas) topology)
    {
        IReadOnlyList<IReadOnlyList<string>> map = Map(topology);
        var router = new Ch3Router(topology.Shards);
        for (int shard = 0; shard < topology.Shards; shard++)
        {
            string region = MemshackRegions.Of("default", "moving", shard);
            SortedDictionary<string, string>[] copies = map[shard].Select(n => Items(Node(n), region)).ToArray();
            Assert.NotEmpty(copies[0]);
            Assert.All(copies, copy => Assert.Equal(copies[0], copy));
            Assert.All(copies[0].Keys, key => Assert.Equal(shard, router.ShardOf(Convert.FromHexString(key))));
        }
        foreach (TestNode node in _nodes)
        {
            foreach (RegionStats held in node.Pool.ListRegions().Where(r => r.Name.StartsWith("memshack.", StringComparison.Ordinal)))
            {
                int shard = MemshackRegions.ShardOf(held.Name, "default", "moving");
                Assert.True(shard < topology.Shards && map[shard].Contains(node.Name), $"{node.Name} still holds {held.Name}");
            }
        }
    }

    private static SortedDictionary<string, string> Items(TestNode node, string region)
    {
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Region found = node.Pool.FindRegion(region) ?? throw new InvalidOperationException($"{node.Name} lacks {region}");
        node.Pool.Scan(found, EnginePool.LiveView, (key, value, in info) =>
        {
            items[Convert.ToHexString(key)] = $"{Convert.ToHexString(value)}/{info.Flags}/{info.Exptime}/{info.Cas}";
            return true;
        });
        return items;
    }

    private static long PreloadedKeysChangingShard(int from, int to)
    {
        Ch3Router before = new(from), after = new(to);
        return Enumerable.Range(0, Preloaded).Count(k => before.ShardOf(Bytes.Of($"pre-{k}")) != after.ShardOf(Bytes.Of($"pre-{k}")));
    }

    private IReadOnlyList<IReadOnlyList<string>> Map((int Shards, int Replicas) topology) =>
        ReplicaPlacement.ShardMap(Memshack, topology.Shards, topology.Replicas, _nodes.Select(n => n.Name).ToArray());

    private TestNode Node(string name) => _nodes.Single(n => n.Name == name);

    /// <summary>A topology's sharded store as a gateway on node-0 runs it: node-0's replicas in its engine, the others over the data plane.</summary>
    private ShardedCacheStore Build((int Shards, int Replicas) topology, CasClock clock, string gateway) => Build(Map(topology), clock, gateway);

    private ShardedCacheStore Build(IReadOnlyList<IReadOnlyList<string>> map, CasClock clock, string gateway)
    {
        var shards = new IAsyncCacheStore[map.Count];
        for (int shard = 0; shard < map.Count; shard++)
        {
            IReplica[] replicas = map[shard].Select(node => Replica(node, shard)).ToArray();
            int local = map[shard].ToList().IndexOf("node-0");
            shards[shard] = new ReplicaSet(replicas, new ReplicaSetOptions
            {
                GatewayName = gateway, CasClock = clock, LocalReplica = local >= 0 ? local : null,
            }, TestLogging.Factory.CreateLogger<ReplicaSet>());
        }
        return new ShardedCacheStore(shards);
    }

    private IReplica Replica(string node, int shard)
    {
        string region = MemshackRegions.Of("default", "moving", shard);
        if (node == "node-0")
        {
            var local = new EngineRegionStore(_nodes[0].Pool, _nodes[0].Pool.GetOrCreateRegion(region), $"{node}/{region}");
            _locals.Add(local);
            return local;
        }
        PeerConnection peer = Node(node).Connect();
        _peers.Add(peer);
        return new RemoteReplica(peer, region, $"{node}/{region}", (int)EngineLimits.ItemSizeMaxDefault);
    }
}

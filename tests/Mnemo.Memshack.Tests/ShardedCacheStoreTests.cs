using System.Buffers;
using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

public sealed class ShardedCacheStoreTests : IDisposable
{
    private readonly TestPool _pool = new(64UL << 20);

    public void Dispose() => _pool.Dispose();

    [Fact]
    public async Task Each_key_lives_only_on_the_shard_ch3_picks()
    {
        EngineRegionStore[] shards = Enumerable.Range(0, 3).Select(i => _pool.Region($"s{i}")).ToArray();
        var store = new ShardedCacheStore(shards);
        var perShard = new int[3];
        for (int i = 0; i < 300; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"/eu/main/user:{i}|#|profile");
            ValueTask<CacheResult> stored = store.StoreAsync(CacheStoreMode.Set, key, "v"u8.ToArray(), 0, 0);
            Assert.True(stored.IsCompletedSuccessfully, "engine shards answer synchronously");
            Assert.Equal(CacheStatus.Ok, (await stored).Status);
            int expected = (int)FurcHash.Hash(Encoding.ASCII.GetBytes($"user:{i}"), 3);
            perShard[expected]++;
            for (int shard = 0; shard < 3; shard++)
            {
                CacheResult read = await shards[shard].GetAsync(key, new ArrayBufferWriter<byte>());
                Assert.Equal(shard == expected ? CacheStatus.Ok : CacheStatus.NotFound, read.Status);
            }
            Assert.Equal(expected, store.DescribeRoute(key).Shard);
        }
        Assert.All(perShard, count => Assert.InRange(count, 60, 140));
        (CacheStatus status, CacheStoreStats stats) = await store.GetStatsAsync();
        Assert.Equal(CacheStatus.Ok, status);
        Assert.Equal(300UL, stats.CurrentItems);
    }

    [Fact]
    public async Task Flush_reaches_every_shard()
    {
        var store = new ShardedCacheStore(Enumerable.Range(0, 4).Select(i => (IAsyncCacheStore)_pool.Region($"f{i}")).ToArray());
        for (int i = 0; i < 50; i++)
        {
            await store.StoreAsync(CacheStoreMode.Set, Encoding.ASCII.GetBytes($"k{i}"), "v"u8.ToArray(), 0, 0);
        }
        Assert.Equal(CacheStatus.Ok, (await store.FlushAsync(0)).Status);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(CacheStatus.NotFound, (await store.GetAsync(Encoding.ASCII.GetBytes($"k{i}"), new ArrayBufferWriter<byte>())).Status);
        }
    }

    [Fact]
    public async Task A_shard_that_answers_later_is_awaited_and_its_value_lands_in_the_caller_writer()
    {
        var store = new ShardedCacheStore([new YieldingCacheStore(_pool.Region("y0")), new YieldingCacheStore(_pool.Region("y1"))]);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(CacheStatus.Ok, (await store.StoreAsync(CacheStoreMode.Set, Encoding.ASCII.GetBytes($"k{i}"), Encoding.ASCII.GetBytes($"value-{i}"), 7, 0)).Status);
        }
        for (int i = 0; i < 20; i++)
        {
            var value = new ArrayBufferWriter<byte>();
            CacheResult read = await store.GetAsync(Encoding.ASCII.GetBytes($"k{i}"), value);
            Assert.Equal(CacheStatus.Ok, read.Status);
            Assert.Equal(7u, read.Info.Flags);
            Assert.Equal($"value-{i}", Encoding.ASCII.GetString(value.WrittenSpan));
        }
        Assert.Equal(20UL, (await store.GetStatsAsync()).Stats.CurrentItems);
    }

    [Fact]
    public void Route_names_the_shard_and_its_replicas()
    {
        var store = new ShardedCacheStore([_pool.Region("r0"), _pool.Region("r1")]);
        CacheRoute route = store.DescribeRoute("abc"u8);
        Assert.Equal(2, route.ShardCount);
        Assert.Equal((int)FurcHash.Hash("abc"u8, 2), route.Shard);
        Assert.Equal([$"r{route.Shard}"], route.Replicas);
    }

    [Fact]
    public void Route_of_a_shard_without_introspection_names_no_replicas()
    {
        var store = new ShardedCacheStore([new YieldingCacheStore(_pool.Region("n0")), new YieldingCacheStore(_pool.Region("n1"))]);
        CacheRoute route = store.DescribeRoute("abc"u8);
        Assert.Equal((int)FurcHash.Hash("abc"u8, 2), route.Shard);
        Assert.Empty(route.Replicas);
        Assert.Empty(store.GetSlabStats());
    }
}

using System.Text;
using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.Grains.Memshack.Routing;
using Mnemo.Grains.Memshack.Stores;
using Mnemo.Memshack.Tests.Infrastructure;

namespace Mnemo.Memshack.Tests;

public sealed class ShardedCacheStoreTests : IDisposable
{
    private readonly TestPool _pool = new(64UL << 20);

    public void Dispose() => _pool.Dispose();

    [Fact]
    public void Each_key_lives_only_on_the_shard_ch3_picks()
    {
        EngineCacheStore[] shards = Enumerable.Range(0, 3).Select(i => _pool.Region($"s{i}")).ToArray();
        var store = new ShardedCacheStore(shards);
        var perShard = new int[3];
        for (int i = 0; i < 300; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"/eu/main/user:{i}|#|profile");
            Assert.Equal(CacheStatus.Ok, store.Store(CacheStoreMode.Set, key, "v"u8, 0, 0, 0, out _));
            int expected = (int)FurcHash.Hash(Encoding.ASCII.GetBytes($"user:{i}"), 3);
            perShard[expected]++;
            for (int shard = 0; shard < 3; shard++)
            {
                CacheStatus status = shards[shard].Get(key, new byte[8], out _);
                Assert.Equal(shard == expected ? CacheStatus.Ok : CacheStatus.NotFound, status);
            }
            Assert.Equal(expected, store.DescribeRoute(key).Shard);
        }
        Assert.All(perShard, count => Assert.InRange(count, 60, 140));
        Assert.Equal(300UL, store.GetStats().CurrentItems);
    }

    [Fact]
    public void Flush_reaches_every_shard()
    {
        var store = new ShardedCacheStore(Enumerable.Range(0, 4).Select(i => (ICacheStore)_pool.Region($"f{i}")).ToArray());
        for (int i = 0; i < 50; i++)
        {
            store.Store(CacheStoreMode.Set, Encoding.ASCII.GetBytes($"k{i}"), "v"u8, 0, 0, 0, out _);
        }
        store.Flush(0);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(CacheStatus.NotFound, store.Get(Encoding.ASCII.GetBytes($"k{i}"), Span<byte>.Empty, out _));
        }
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
}

using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

public sealed class RoutingKeyTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("/region/cluster/foo:key", "foo:key")]
    [InlineData("/region/cluster/foo:key|#|etc", "foo:key")]
    [InlineData("user:1|#|name", "user:1")]
    [InlineData("|#|x", "")]
    [InlineData("/only/one", "/only/one")]
    [InlineData("/", "/")]
    [InlineData("//", "//")]
    [InlineData("///rest", "rest")]
    [InlineData("no/leading/slash/", "no/leading/slash/")]
    [InlineData("/r/c/|#|", "")]
    [InlineData("a|#b", "a|#b")]
    public void Hashed_part_skips_routing_prefix_and_stops_at_hash_stop(string key, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(RoutingKey.HashedPart(Encoding.UTF8.GetBytes(key))));
    }

    [Fact]
    public void Keys_sharing_a_hash_stop_prefix_share_a_shard()
    {
        var router = new Ch3Router(97);
        int shard = router.ShardOf("user:42"u8);
        Assert.Equal(shard, router.ShardOf("user:42|#|name"u8));
        Assert.Equal(shard, router.ShardOf("/eu/main/user:42|#|mail"u8));
        Assert.Equal((int)FurcHash.Hash("user:42"u8, 97), shard);
    }

    [Fact]
    public void Routing_does_not_allocate()
    {
        var router = new Ch3Router(3);
        byte[] key = Encoding.ASCII.GetBytes("/region/cluster/some:key|#|suffix");
        router.ShardOf(key);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            sum += router.ShardOf(key);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.InRange(sum, 0, 2000);
    }
}

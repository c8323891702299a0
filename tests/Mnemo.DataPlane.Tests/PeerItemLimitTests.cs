using System.Buffers;
using Mnemo.NativeEngine;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// The data plane carries items up to the pools' item size limit, not a fixed one: two nodes whose
/// pools take 4 MiB items replicate a 3 MiB value, and a value over the limit is answered TooLarge
/// without dropping the connection.
/// </summary>
public sealed class PeerItemLimitTests : IAsyncLifetime
{
    private const uint ItemSizeMax = 4 << 20;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(2, ItemSizeMax);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_value_larger_than_the_default_limit_replicates_to_the_peer_and_reads_back_from_it()
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 0);
        byte[] big = Pattern(3 << 20);

        Assert.Equal(CacheStatus.Ok, (await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("big"), big, 7, 0)).Status);

        TestNode peer = _cluster.Nodes[1];
        byte[] held = new byte[big.Length];
        Assert.Equal(EngineStatus.Ok, peer.Pool.TryGet(peer.Region, "big"u8, held, out int length, out _));
        Assert.Equal(big.Length, length);
        Assert.Equal(big, held);
        var value = new ArrayBufferWriter<byte>();
        CacheResult read = await _cluster.Replicas[1].GetAsync(Bytes.Of("big"), value);
        Assert.Equal(CacheStatus.Ok, read.Status);
        Assert.Equal(big, value.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData((int)ItemSizeMax + 1)]
    [InlineData((int)ItemSizeMax)]
    public async Task A_value_over_the_limit_is_too_large_and_the_connection_stays(int size)
    {
        ReplicaSet set = _cluster.CreateSetWithLocalReplica(WriteQuorum.All, hashChoice: 0);
        await using PeerConnection peer = _cluster.Nodes[1].Connect();
        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("small"), Bytes.Of("v"), 0, 0)).Status);

        Assert.Equal(CacheStatus.TooLarge, (await peer.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("huge"), new byte[size], 0, 0)).Status);
        Assert.Equal(CacheStatus.TooLarge, (await set.StoreAsync(CacheStoreMode.Set, Bytes.Of("huge"), new byte[size], 0, 0)).Status);

        Assert.True(peer.IsConnected);
        Assert.Equal(1, peer.Stats.Connects);
        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("after"), Bytes.Of("v"), 0, 0)).Status);
    }

    [Fact]
    public async Task A_peer_with_a_smaller_limit_answers_too_large_for_what_it_cannot_hold()
    {
        await using TestNode small = await TestNode.StartAsync("small");
        await using PeerConnection peer = small.Connect();

        CacheResult result = await peer.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("big"), new byte[2 << 20], 0, 0);

        Assert.Equal(CacheStatus.TooLarge, result.Status);
        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        Assert.Equal(1, peer.Stats.Connects);
    }

    private static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i * 31 + (i >> 12));
        return bytes;
    }
}

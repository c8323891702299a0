using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>A peer that dies fails in-flight operations at once; a hung peer fails them at the timeout; a restarted peer is reconnected.</summary>
public sealed class PeerFailureTests
{
    private static readonly byte[] Region = Bytes.Of(TestNode.RegionName);

    [Fact]
    public async Task Peer_dying_mid_flight_fails_every_pending_operation_fast()
    {
        using var peer = new BlackHolePeer();
        // The operation timeout is far away: only noticing the dead connection can finish these in time.
        await using var connection = new PeerConnection(peer.EndPoint, TestNode.FastFailOptions with { OperationTimeout = TimeSpan.FromMinutes(5) });
        Task<CacheResult>[] pending = Enumerable.Range(0, 200)
            .Select(i => connection.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"k{i}"), Bytes.Of("v"), 0, 0).AsTask())
            .ToArray();
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(peer.BytesReceived > 0)), "requests never reached the peer");
        Assert.All(pending, t => Assert.False(t.IsCompleted));

        var clock = Stopwatch.StartNew();
        peer.CloseConnections();
        CacheResult[] results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(CacheStatus.Unavailable, r.Status));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Hung_peer_fails_operations_at_the_operation_timeout()
    {
        using var peer = new BlackHolePeer();
        await using var connection = new PeerConnection(peer.EndPoint, TestNode.FastFailOptions with { OperationTimeout = TimeSpan.FromMilliseconds(300) });

        var clock = Stopwatch.StartNew();
        CacheResult result = await connection.GetAsync(Region, Bytes.Of("k"), new ArrayBufferWriter<byte>()).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CacheStatus.Unavailable, result.Status);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"timed out after only {clock.Elapsed}");
    }

    [Fact]
    public async Task Unreachable_peer_answers_unavailable_without_waiting()
    {
        int port = FreePort();
        await using var connection = new PeerConnection(new IPEndPoint(IPAddress.Loopback, port), TestNode.FastFailOptions);

        var clock = Stopwatch.StartNew();
        CacheResult first = await connection.GetAsync(Region, Bytes.Of("k"), new ArrayBufferWriter<byte>());
        CacheResult duringBackoff = await connection.GetAsync(Region, Bytes.Of("k"), new ArrayBufferWriter<byte>());

        Assert.Equal(CacheStatus.Unavailable, first.Status);
        Assert.Equal(CacheStatus.Unavailable, duringBackoff.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(0, connection.Stats.Connects);
    }

    [Fact]
    public async Task Killed_server_fails_operations_and_is_reconnected_after_restart()
    {
        await using TestNode node = await TestNode.StartAsync("node-a");
        await using PeerConnection connection = node.Connect();
        Assert.Equal(CacheStatus.Ok, (await connection.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("kept"), Bytes.Of("v1"), 0, 0)).Status);

        await node.KillAsync();
        Assert.True(await Eventually.HoldsAsync(async () =>
            (await connection.GetAsync(Region, Bytes.Of("kept"), new ArrayBufferWriter<byte>())).Status == CacheStatus.Unavailable));

        await node.RestartAsync(emptyPool: false);
        var value = new ArrayBufferWriter<byte>();
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            value.ResetWrittenCount();
            return (await connection.GetAsync(Region, Bytes.Of("kept"), value)).Status == CacheStatus.Ok;
        }));
        Assert.Equal("v1", Bytes.Text(value.WrittenSpan));
        Assert.Equal(2, connection.Stats.Connects);
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}

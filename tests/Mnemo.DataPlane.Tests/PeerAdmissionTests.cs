using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mnemo.NativeEngine;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// Only peers the admission accepts may use the data plane: here the admission is a membership of
/// one cluster ("c1") whose member "node-b" is at 127.0.0.1, as a silo's view of Orleans membership
/// would be. Anyone else is closed before any request is served.
/// </summary>
public sealed class PeerAdmissionTests : IAsyncLifetime
{
    private const string Stranger = "stranger-region";
    private readonly ConcurrentDictionary<string, IPAddress> _members = new() { ["node-b"] = IPAddress.Loopback };
    private readonly ConcurrentQueue<(PeerIdentity Claimed, IPAddress Source)> _asked = new();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync("node-a", admission: Admit);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_member_is_admitted_and_served()
    {
        await using PeerConnection member = Connect(new PeerIdentity("c1", "node-b"));

        Assert.Equal(CacheStatus.Ok, (await member.StoreAsync(Bytes.Of(Stranger), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        var value = new ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.Ok, (await member.GetAsync(Bytes.Of(Stranger), Bytes.Of("k"), value)).Status);
        Assert.Equal("v", Bytes.Text(value.WrittenSpan));
        Assert.Contains((new PeerIdentity("c1", "node-b"), IPAddress.Loopback), _asked);
    }

    [Theory]
    [InlineData("c1", "node-x")]
    [InlineData("c2", "node-b")]
    [InlineData("", "")]
    public async Task A_foreign_identity_cannot_create_a_region_read_or_write(string cluster, string node)
    {
        Assert.Equal(EngineStatus.Ok, _node.Pool.Store(_node.Region, StoreMode.Set, "kept"u8, "v"u8, 0, 0, out _));
        await using PeerConnection foreign = Connect(new PeerIdentity(cluster, node));

        Assert.Equal(CacheStatus.Unavailable, (await foreign.StoreAsync(Bytes.Of(Stranger), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        Assert.Equal(CacheStatus.Unavailable, (await foreign.GetAsync(Bytes.Of(TestNode.RegionName), Bytes.Of("k"), new ArrayBufferWriter<byte>())).Status);
        Assert.Equal(CacheStatus.Unavailable, (await foreign.FlushAsync(Bytes.Of(TestNode.RegionName), 0)).Status);

        Assert.Null(_node.Pool.FindRegion(Stranger));
        Assert.Equal(0, foreign.Stats.Connects);
        // The flush never ran.
        Assert.Equal(1UL, _node.Pool.GetRegionStats(_node.Region).Items);
    }

    [Fact]
    public async Task A_member_name_claimed_from_another_address_is_refused()
    {
        _members["node-b"] = IPAddress.Parse("127.0.0.2");
        await using PeerConnection impostor = Connect(new PeerIdentity("c1", "node-b"));

        Assert.Equal(CacheStatus.Unavailable, (await impostor.StoreAsync(Bytes.Of(Stranger), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        Assert.Null(_node.Pool.FindRegion(Stranger));
        Assert.Contains((new PeerIdentity("c1", "node-b"), IPAddress.Loopback), _asked);
    }

    [Fact]
    public async Task A_raw_socket_without_a_hello_is_closed_unserved()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_node.EndPoint);
        var frame = new ArrayBufferWriter<byte>();
        DataPlaneRequest.Write(frame, 1, new DataPlaneRequestFields(DataPlaneOpCode.Store, (byte)CacheStoreMode.Set), Bytes.Of(Stranger), Bytes.Of("k"),
            Bytes.Of("v"));
        await socket.SendAsync(frame.WrittenMemory, SocketFlags.None);

        Assert.Equal(0, await ReceiveUntilClosedAsync(socket));
        Assert.Null(_node.Pool.FindRegion(Stranger));
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task A_refused_hello_is_closed_before_its_requests_are_read()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_node.EndPoint);
        var frames = new ArrayBufferWriter<byte>();
        DataPlaneHandshake.WriteHello(frames, new PeerIdentity("c1", "node-x"));
        DataPlaneRequest.Write(frames, 1, new DataPlaneRequestFields(DataPlaneOpCode.Store, (byte)CacheStoreMode.Set), Bytes.Of(Stranger), Bytes.Of("k"),
            Bytes.Of("v"));
        await socket.SendAsync(frames.WrittenMemory, SocketFlags.None);

        Assert.Equal(0, await ReceiveUntilClosedAsync(socket));
        Assert.Null(_node.Pool.FindRegion(Stranger));
    }

    /// <summary>A member that leaves is refused when it next connects.</summary>
    [Fact]
    public async Task A_member_that_left_is_refused_on_its_next_connection()
    {
        await using PeerConnection member = Connect(new PeerIdentity("c1", "node-b"));
        Assert.Equal(CacheStatus.Ok, (await member.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);

        _members.TryRemove("node-b", out _);
        await _node.RestartAsync(emptyPool: false);

        Assert.True(await Eventually.HoldsAsync(async () =>
            (await member.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v2"), 0, 0)).Status == CacheStatus.Unavailable
            && !member.IsConnected));
        Assert.Equal(1, member.Stats.Connects);
    }

    private string? Admit(PeerIdentity claimed, IPAddress source)
    {
        _asked.Enqueue((claimed, source));
        if (claimed.ClusterId != "c1")
            return "not of this cluster";
        if (!_members.TryGetValue(claimed.NodeName, out IPAddress? address))
            return "not a member";
        return address.Equals(source) ? null : $"connects from {source}, member is at {address}";
    }

    private PeerConnection Connect(PeerIdentity identity) => _node.Connect(TestNode.FastFailOptions with { Identity = identity });

    /// <summary>Bytes received until the server closes (0 when it sends nothing at all).</summary>
    private static async Task<int> ReceiveUntilClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        byte[] buffer = new byte[256];
        int total = 0, read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            total += read;
        return total;
    }
}

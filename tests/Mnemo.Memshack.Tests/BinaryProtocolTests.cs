using System.Net.Sockets;
using static Mnemo.Memshack.Tests.BinaryPacket;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>The binary protocol: parsing of split packets, and replies compared with a real memcached.</summary>
public sealed class BinaryProtocolTests : IAsyncLifetime
{
    private const byte Get = 0x00, Set = 0x01, Add = 0x02, Replace = 0x03, Delete = 0x04, Increment = 0x05, Decrement = 0x06,
        Quit = 0x07, Flush = 0x08, GetQ = 0x09, Noop = 0x0a, Version = 0x0b, GetK = 0x0c, GetKQ = 0x0d, Append = 0x0e,
        Prepend = 0x0f, SetQ = 0x11, AddQ = 0x12, DeleteQ = 0x14, IncrementQ = 0x15, AppendQ = 0x19, Touch = 0x1c,
        Gat = 0x1d, GatQ = 0x1e, GatK = 0x23;

    /// <summary>Not implemented by memcached 1.6's binary protocol: answered as an unknown command.</summary>
    private const byte Verbosity = 0x1b;

    private MemcachedProcess _memcached = null!;
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync()
    {
        _memcached = await MemcachedProcess.StartAsync();
        _gateway = await GatewayServer.StartAsync(shards: 3);
    }

    public async Task DisposeAsync()
    {
        _memcached.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public void Packets_split_at_every_byte_are_parsed()
    {
        byte[] stream = [.. Request(Set, "bk", "value", StoreExtras(9, 0), opaque: 1), .. Request(GetK, "bk", opaque: 2), .. Request(GetQ, "missing", opaque: 3), .. Request(Noop, opaque: 4)];
        for (int split = 1; split < stream.Length; split++)
        {
            using var session = new SessionHarness(_gateway.Pool.Region("split"), binary: true);
            List<BinaryPacket> replies = ParseAll(session.Feed(stream[..split], stream[split..]));
            Assert.Equal([1u, 2u, 4u], replies.Select(r => r.Opaque));
            Assert.All(replies, r => Assert.Equal(0, r.Status));
            Assert.Equal("value", System.Text.Encoding.ASCII.GetString(replies[1].Value));
            Assert.Equal("bk", System.Text.Encoding.ASCII.GetString(replies[1].Key));
            Assert.Equal([0, 0, 0, 9], replies[1].Extras);
        }
    }

    [Fact]
    public void Oversized_value_is_refused_without_buffering_it()
    {
        IAsyncCacheStore store = _gateway.Pool.Region("oversized");
        using var session = new SessionHarness(store, binary: true);
        byte[] big = Request(Set, "big", new string('x', 3 * 1024 * 1024), StoreExtras(0, 0), opaque: 7);
        List<BinaryPacket> replies = ParseAll(session.Feed(big[..4096]));
        Assert.Equal(0x03, Assert.Single(replies).Status);
        Assert.Equal("Too large.", System.Text.Encoding.ASCII.GetString(replies[0].Value));
        Assert.Empty(session.Feed(big[4096..]));
        Assert.Equal(0, session.PendingBytes);
        Assert.Equal(0x0a, Assert.Single(ParseAll(session.Feed(Request(Noop)))).Opcode);
    }

    [Fact]
    public async Task Replies_match_memcached()
    {
        byte[][] requests =
        [
            Request(Flush),
            Request(Get, "a", opaque: 1), Request(GetK, "a", opaque: 2), Request(GetQ, "a"), Request(GetKQ, "a"),
            Request(Set, "a", "hello", StoreExtras(5, 0), opaque: 3), Request(Get, "a", opaque: 4), Request(GetK, "a"),
            Request(Add, "a", "x", StoreExtras(0, 0)), Request(AddQ, "a", "x", StoreExtras(0, 0)), Request(Add, "b", "bee", StoreExtras(1, 0)),
            Request(Replace, "zz", "x", StoreExtras(0, 0)), Request(Replace, "a", "world", StoreExtras(2, 0)),
            Request(Append, "a", "!"), Request(Prepend, "a", "<"), Request(AppendQ, "nope", "x"), Request(Prepend, "nope", "x"), Request(Get, "a"),
            Request(Set, "a", "x", StoreExtras(0, 0), cas: 12345), Request(Set, "nope", "x", StoreExtras(0, 0), cas: 12345),
            Request(Delete, "nope"), Request(DeleteQ, "b"), Request(Get, "b"), Request(Delete, "a", cas: 999),
            Request(Increment, "n", extras: ArithmeticExtras(1, 0, 0xffffffff)), Request(Increment, "n", extras: ArithmeticExtras(1, 40, 0)),
            Request(Increment, "n", extras: ArithmeticExtras(2, 0, 0)), Request(Decrement, "n", extras: ArithmeticExtras(100, 0, 0)),
            Request(IncrementQ, "n", extras: ArithmeticExtras(5, 0, 0)), Request(Get, "n"), Request(Increment, "a", extras: ArithmeticExtras(1, 0, 0)),
            Request(Increment, "n", extras: ArithmeticExtras(ulong.MaxValue, 0, 0)),
            Request(Touch, "a", extras: Exptime(100)), Request(Touch, "zz", extras: Exptime(100)), Request(Gat, "a", extras: Exptime(0)),
            Request(GatQ, "zz", extras: Exptime(0)), Request(GatK, "a", extras: Exptime(0)),
            Request(SetQ, "q", "quiet", StoreExtras(0, 0)), Request(Get, "q"),
            Request(Verbosity), Request(0x50), Request(Set, "big", new string('v', 1024 * 1024 + 1), StoreExtras(0, 0)),
            Request(Set, "/r/c/routed|#|1", "r", StoreExtras(0, 0)), Request(Get, "/r/c/routed|#|1"),
        ];
        using var memcached = await BinaryConnection.ConnectAsync(_memcached.Port);
        using var gateway = await BinaryConnection.ConnectAsync(_gateway.Port);
        foreach (byte[] request in requests)
        {
            string expected = string.Join('\n', (await memcached.CallAsync(request)).Select(p => p.Describe()));
            string actual = string.Join('\n', (await gateway.CallAsync(request)).Select(p => p.Describe()));
            Assert.True(expected == actual, $"opcode 0x{request[1]:x2}:\n memcached: {expected}\n gateway:   {actual}");
        }
    }

    [Theory]
    [InlineData(Quit)]
    [InlineData(0x17)]
    public async Task Quit_closes_the_connection(byte opcode)
    {
        using var gateway = await BinaryConnection.ConnectAsync(_gateway.Port);
        await gateway.SendAsync(Request(opcode, opaque: 9));
        Assert.True(await gateway.WaitClosedAsync());
    }

    [Fact]
    public async Task Invalid_arguments_answer_einval_and_close_as_memcached_does()
    {
        foreach (int port in new[] { _memcached.Port, _gateway.Port })
        {
            using var connection = await BinaryConnection.ConnectAsync(port);
            await connection.SendAsync(Request(Get, "k", extras: Exptime(1))); // get takes no extras
            List<BinaryPacket> reply = await connection.ReadUntilClosedAsync();
            Assert.Equal(0x04, Assert.Single(reply).Status);
        }
    }

    [Fact]
    public async Task Version_and_noop_answer()
    {
        using var gateway = await BinaryConnection.ConnectAsync(_gateway.Port);
        List<BinaryPacket> replies = await gateway.CallAsync(Request(Version, opaque: 5));
        Assert.StartsWith("1.6", System.Text.Encoding.ASCII.GetString(Assert.Single(replies).Value));
    }

    /// <summary>A binary connection; each call is followed by a NOOP whose reply marks the end of the call's replies.</summary>
    private sealed class BinaryConnection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly List<byte> _received = [];

        private BinaryConnection(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<BinaryConnection> ConnectAsync(int port)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync("127.0.0.1", port);
            return new BinaryConnection(client);
        }

        public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

        public async Task<List<BinaryPacket>> CallAsync(byte[] request)
        {
            await _stream.WriteAsync(request.Concat(Request(Noop, opaque: 0xfeed)).ToArray());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[64 * 1024];
            while (true)
            {
                List<BinaryPacket> packets = ParseAll(_received.ToArray());
                if (packets.Count > 0 && packets[^1] is { Opcode: Noop, Opaque: 0xfeed })
                {
                    _received.Clear();
                    return packets.Take(packets.Count - 1).ToList();
                }
                int read;
                try
                {
                    read = await _stream.ReadAsync(buffer, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"no complete reply to opcode 0x{request[1]:x2}; received {Convert.ToHexString(_received.ToArray())}");
                }
                if (read == 0)
                {
                    throw new IOException($"connection closed after opcode 0x{request[1]:x2}");
                }
                _received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }

        public async Task<List<BinaryPacket>> ReadUntilClosedAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[4096];
            int read;
            while ((read = await _stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                _received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
            return ParseAll(_received.ToArray());
        }

        public async Task<bool> WaitClosedAsync()
        {
            try
            {
                await ReadUntilClosedAsync();
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose() => _client.Dispose();
    }
}

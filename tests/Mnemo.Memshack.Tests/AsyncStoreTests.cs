using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using static Mnemo.Memshack.Tests.BinaryPacket;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// The gateway over a store that answers asynchronously (a Ch3-sharded store whose shards yield to
/// the thread pool before every operation): pipelined commands still get memcached's replies, in
/// request order, through the text, meta and binary protocols.
/// </summary>
public sealed class AsyncStoreTests : IAsyncLifetime
{
    private MemcachedProcess _memcached = null!;
    private GatewayServer _gateway = null!;
    private YieldingCacheStore[] _shards = [];

    public async Task InitializeAsync()
    {
        _memcached = await MemcachedProcess.StartAsync();
        _gateway = await GatewayServer.StartAsync(pool =>
        {
            _shards = Enumerable.Range(0, 3).Select(i => new YieldingCacheStore(pool.Region($"shard-{i}"))).ToArray();
            return new ShardedCacheStore(_shards);
        });
    }

    public async Task DisposeAsync()
    {
        _memcached.Dispose();
        await _gateway.DisposeAsync();
    }

    private long StoreOperations => _shards.Sum(s => s.Operations);

    [Fact]
    public async Task Pipelined_text_and_meta_commands_in_one_write_get_memcacheds_replies_in_order()
    {
        var script = new StringBuilder("flush_all\r\nset counter 0 0 1\r\n0\r\n");
        for (int i = 0; i < 40; i++)
        {
            string value = new((char)('a' + i % 26), i * 37 % 300);
            script.Append($"set k{i} {i} 0 {value.Length}\r\n{value}\r\n");
            script.Append("mn\r\n"); // answered without the store: must still come after the set's reply
            script.Append($"get k{i} missing{i} k{i / 2}\r\n");
            script.Append($"mg k{i} v f k O{i}\r\n");
            script.Append("incr counter 1\r\n");
            script.Append($"ms m{i} 3 T0 c\r\nxyz\r\n");
            script.Append($"append k{i} 0 0 1 noreply\r\n!\r\n");
            script.Append($"gets k{i}\r\n");
            script.Append(i % 3 == 0 ? $"delete k{i}\r\n" : $"md m{i} q\r\n");
            script.Append($"ma counter v\r\ntouch k{i} 1000\r\nmg m{i} s v\r\n");
        }
        long operationsBefore = StoreOperations;

        string expected = await CallOnceAsync(_memcached.Port, script.ToString());
        string actual = await CallOnceAsync(_gateway.Port, script.ToString());

        Assert.Contains("VALUE k39 39 ", expected);
        Assert.Equal(expected, actual);
        Assert.True(StoreOperations - operationsBefore >= 40 * 10, $"only {StoreOperations - operationsBefore} store operations ran asynchronously");
    }

    [Fact]
    public async Task Pipelined_binary_packets_get_memcacheds_replies_in_order()
    {
        const byte Get = 0x00, Set = 0x01, Delete = 0x04, Increment = 0x05, Flush = 0x08, GetQ = 0x09, Noop = 0x0a, GetK = 0x0c,
            SetQ = 0x11, DeleteQ = 0x14, Touch = 0x1c, Gat = 0x1d;
        var packets = new List<byte[]> { Request(Flush, opaque: 1) };
        uint opaque = 2;
        for (int i = 0; i < 40; i++)
        {
            string value = new((char)('a' + i % 26), i * 53 % 400);
            packets.Add(Request(i % 2 == 0 ? Set : SetQ, $"b{i}", value, StoreExtras((uint)i, 0), opaque: opaque++));
            packets.Add(Request(GetK, $"b{i}", opaque: opaque++));
            packets.Add(Request(GetQ, $"absent{i}", opaque: opaque++));
            packets.Add(Request(Get, $"b{i / 2}", opaque: opaque++));
            packets.Add(Request(Increment, "n", extras: ArithmeticExtras(3, 100, 0), opaque: opaque++));
            packets.Add(Request(Touch, $"b{i}", extras: Exptime(1000), opaque: opaque++));
            packets.Add(Request(Gat, $"b{i}", extras: Exptime(1000), opaque: opaque++));
            packets.Add(Request(i % 3 == 0 ? Delete : DeleteQ, $"b{i}", opaque: opaque++));
        }
        packets.Add(Request(Noop, opaque: opaque));
        byte[] stream = packets.SelectMany(p => p).ToArray();

        List<BinaryPacket> expected = await ExchangeBinaryAsync(_memcached.Port, stream, opaque);
        List<BinaryPacket> actual = await ExchangeBinaryAsync(_gateway.Port, stream, opaque);

        Assert.Equal(expected.Select(p => p.Describe()), actual.Select(p => p.Describe()));
        Assert.Equal(actual.Select(p => p.Opaque).Order(), actual.Select(p => p.Opaque));
        Assert.Contains(actual, p => p.Opcode == GetK && p.Status == 0 && Encoding.ASCII.GetString(p.Key) == "b39");
    }

    [Fact]
    public void Commands_split_at_every_byte_wait_for_the_store_with_their_input_held()
    {
        using var pool = new TestPool(16UL << 20);
        var store = new YieldingCacheStore(pool.Region("split"));
        const string input = "set k 7 0 5\r\nhello\r\nget k\r\nmg aw== b v f\r\nincr k 1\r\nms n 2 c\r\n42\r\nma n D8 v\r\ndelete k\r\n";
        for (int split = 1; split < input.Length; split++)
        {
            using var session = new SessionHarness(store);
            string reply = session.Feed(input[..split], input[split..]);
            Assert.Matches(@"^STORED\r\nVALUE k 7 5\r\nhello\r\nEND\r\nVA 5 f7\r\nhello\r\n"
                + @"CLIENT_ERROR cannot increment or decrement non-numeric value\r\nHD c\d+\r\nVA 2\r\n50\r\nDELETED\r\n$", reply);
            Assert.Equal(0, session.PendingBytes);
        }
        Assert.True(store.Operations >= 7 * (input.Length - 1));
    }

    [Fact]
    public void Binary_packets_split_at_every_byte_wait_for_the_store_with_their_input_held()
    {
        using var pool = new TestPool(16UL << 20);
        var store = new YieldingCacheStore(pool.Region("split"));
        byte[] stream = [.. Request(0x01, "bk", "value", StoreExtras(9, 0), opaque: 1), .. Request(0x0c, "bk", opaque: 2), .. Request(0x09, "missing", opaque: 3),
            .. Request(0x04, "bk", opaque: 4), .. Request(0x0a, opaque: 5)];
        for (int split = 1; split < stream.Length; split++)
        {
            using var session = new SessionHarness(store, binary: true);
            List<BinaryPacket> replies = ParseAll(session.Feed(stream[..split], stream[split..]));
            Assert.Equal([1u, 2u, 4u, 5u], replies.Select(r => r.Opaque));
            Assert.All(replies, r => Assert.Equal(0, r.Status));
            Assert.Equal("value", Encoding.ASCII.GetString(replies[1].Value));
            Assert.Equal("bk", Encoding.ASCII.GetString(replies[1].Key));
            Assert.Equal([0, 0, 0, 9], replies[1].Extras);
        }
    }

    [Fact]
    public async Task A_value_written_in_parts_lands_behind_its_header_and_an_uncommitted_one_leaves_nothing()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var output = new ResponseWriter(pipe.Writer);
        var value = new ValueReplyWriter(output);
        byte[] first = Enumerable.Range(0, 10).Select(i => (byte)('0' + i)).ToArray();
        byte[] large = Enumerable.Range(0, 100_000).Select(i => (byte)('a' + i % 26)).ToArray();

        // Written but never committed, as for a miss: must not reach the output.
        value.Begin(64, 2).Write("discarded"u8);

        IBufferWriter<byte> writer = value.Begin(64, 2);
        writer.Write(first);
        large.CopyTo(writer.GetSpan(large.Length));
        writer.Advance(large.Length);
        writer.Write("!"u8);
        value.Commit("HEADER\r\n"u8, "\r\n"u8);
        output.WriteLine("END"u8);
        await pipe.Writer.FlushAsync();
        pipe.Writer.Complete();

        ReadResult read = await pipe.Reader.ReadAsync();
        while (!read.IsCompleted)
        {
            pipe.Reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await pipe.Reader.ReadAsync();
        }
        byte[] expected = [.. "HEADER\r\n"u8, .. first, .. large, .. "!\r\nEND\r\n"u8];
        Assert.Equal(expected, read.Buffer.ToArray());
    }

    /// <summary>Sends <paramref name="script"/> in one write and returns every reply up to the sentinel, CAS values normalized.</summary>
    private static async Task<string> CallOnceAsync(int port, string script)
    {
        using TextClient client = await TextClient.ConnectAsync(port);
        return new ReplyNormalizer().Normalize(await client.CallAsync(script));
    }

    /// <summary>Sends the packets in one write and reads replies until the final noop (opaque <paramref name="lastOpaque"/>) is answered.</summary>
    private static async Task<List<BinaryPacket>> ExchangeBinaryAsync(int port, byte[] stream, uint lastOpaque)
    {
        using TextClient client = await TextClient.ConnectAsync(port);
        await client.SendAsync(stream);
        var received = new List<byte>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            List<BinaryPacket> replies = ParseAll(received.ToArray());
            if (replies.Count > 0 && replies[^1].Opaque == lastOpaque)
            {
                return replies;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no reply to the final noop; {replies.Count} replies so far");
            received.AddRange(await client.ReceiveAsync(1, TimeSpan.FromSeconds(5)));
        }
    }
}

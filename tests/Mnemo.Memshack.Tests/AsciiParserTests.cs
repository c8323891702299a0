using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>The text protocol parser over fragmented and pipelined input, without sockets.</summary>
public sealed class AsciiParserTests : IDisposable
{
    private readonly TestPool _pool = new(64UL << 20);
    private readonly IAsyncCacheStore _store;

    public AsciiParserTests()
    {
        _store = _pool.Region("parser");
    }

    public void Dispose() => _pool.Dispose();

    [Fact]
    public void A_command_split_at_every_byte_gives_the_same_replies()
    {
        const string input = "set k 7 0 5\r\nhello\r\nget k\r\nmg k v f\r\ndelete k\r\n";
        const string expected = "STORED\r\nVALUE k 7 5\r\nhello\r\nEND\r\nVA 5 f7\r\nhello\r\nDELETED\r\n";
        for (int split = 1; split < input.Length; split++)
        {
            using var session = new SessionHarness(_store);
            Assert.Equal(expected, session.Feed(input[..split], input[split..]));
            Assert.Equal(0, session.PendingBytes);
        }
    }

    [Fact]
    public void Byte_at_a_time_input_is_parsed()
    {
        using var session = new SessionHarness(_store);
        string input = "set a 0 0 3\r\nabc\r\nappend a 0 0 2\r\nde\r\ngets a\r\nincr n 1\r\n";
        string output = session.Feed(input.Select(c => c.ToString()).ToArray());
        Assert.Matches(@"^STORED\r\nSTORED\r\nVALUE a 0 5 \d+\r\nabcde\r\nEND\r\nNOT_FOUND\r\n$", output);
    }

    [Fact]
    public void Pipelined_commands_in_one_read_are_answered_in_order()
    {
        using var session = new SessionHarness(_store);
        var input = new StringBuilder();
        var expected = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            input.Append($"set p{i} {i} 0 {i.ToString().Length}\r\n{i}\r\nget p{i}\r\n");
            expected.Append($"STORED\r\nVALUE p{i} {i} {i.ToString().Length}\r\n{i}\r\nEND\r\n");
        }
        Assert.Equal(expected.ToString(), session.Feed(input.ToString()));
    }

    [Fact]
    public void Line_without_newline_closes_after_2048_bytes_unless_it_is_a_multiget()
    {
        using (var session = new SessionHarness(_store))
        {
            Assert.Equal("", session.Feed(new string('x', 2048)));
            Assert.False(session.Closed);
            session.Feed("x");
            Assert.True(session.Closed);
        }
        using (var session = new SessionHarness(_store))
        {
            string keys = string.Join(' ', Enumerable.Range(0, 600).Select(i => $"m{i}"));
            Assert.Equal("", session.Feed("get " + keys));
            Assert.False(session.Closed);
            Assert.Equal("END\r\n", session.Feed("\r\n"));
        }
    }

    [Fact]
    public async Task Incomplete_data_block_waits_and_stores_nothing()
    {
        using var session = new SessionHarness(_store);
        Assert.Equal("", session.Feed("set half 0 0 10\r\n01234"));
        Assert.True(session.PendingBytes > 0);
        var value = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.NotFound, (await _store.GetAsync("half"u8.ToArray(), value)).Status);
        Assert.Equal("STORED\r\n", session.Feed("56789\r\n"));
        CacheResult read = await _store.GetAsync("half"u8.ToArray(), value);
        Assert.Equal(CacheStatus.Ok, read.Status);
        Assert.Equal(10, read.Info.ValueLength);
        Assert.Equal("0123456789"u8.ToArray(), value.WrittenSpan.ToArray());
    }

    [Fact]
    public void Oversized_value_is_refused_and_skipped_across_reads()
    {
        using var session = new SessionHarness(_store);
        int size = 3 * 1024 * 1024;
        string reply = session.Feed("set huge 0 0 " + size + "\r\n" + new string('a', 1000));
        Assert.Equal("SERVER_ERROR object too large for cache\r\n", reply);
        for (int sent = 1000; sent < size; sent += 100_000)
        {
            Assert.Equal("", session.Feed(new string('a', Math.Min(100_000, size - sent))));
        }
        Assert.Equal("END\r\n", session.Feed("\r\nget huge\r\n"));
    }

    [Fact]
    public void Data_block_with_wrong_terminator_is_a_bad_data_chunk()
    {
        using var session = new SessionHarness(_store);
        Assert.Equal("CLIENT_ERROR bad data chunk\r\nERROR\r\n", session.Feed("set a 0 0 2\r\nabc\r\n"));
    }

    [Fact]
    public void Route_introspection_answers_the_ch3_shard()
    {
        IAsyncCacheStore sharded = _pool.Sharded(5);
        using var session = new SessionHarness(sharded);
        string reply = session.Feed("get __mcrouter__.route(set,user:42)\r\n");
        int shard = (int)FurcHash.Hash("user:42"u8, 5);
        string value = $"{shard}\r\nshard-{shard}";
        Assert.Equal($"VALUE __mcrouter__.route(set,user:42) 0 {value.Length}\r\n{value}\r\nEND\r\n", reply);
    }
}

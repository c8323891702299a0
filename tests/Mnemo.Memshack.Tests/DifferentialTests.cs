using System.Text;
using Mnemo.Grains.Memshack.Stores;
using Mnemo.Memshack.Tests.Infrastructure;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// The gateway must answer exactly as memcached 1.6 does: the same random command sequences go to a
/// real memcached and to the gateway, and the replies (CAS values normalized) must be identical.
/// The gateway runs twice: over an engine region, which answers synchronously, and over a Ch3-sharded
/// store whose shards answer asynchronously (as replicated shards across the network do).
/// </summary>
public sealed class DifferentialTests : IAsyncLifetime
{
    private const int KeyMax = 250;
    private MemcachedProcess _memcached = null!;
    private GatewayServer _gateway = null!;
    private GatewayServer _asyncGateway = null!;

    public async Task InitializeAsync()
    {
        _memcached = await MemcachedProcess.StartAsync();
        _gateway = await GatewayServer.StartAsync();
        _asyncGateway = await GatewayServer.StartAsync(pool =>
            new ShardedCacheStore(Enumerable.Range(0, 3).Select(i => new YieldingCacheStore(pool.Region($"shard-{i}"))).ToArray()));
    }

    public async Task DisposeAsync()
    {
        _memcached.Dispose();
        await _gateway.DisposeAsync();
        await _asyncGateway.DisposeAsync();
    }

    private int GatewayPort(bool asynchronous) => asynchronous ? _asyncGateway.Port : _gateway.Port;

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    public async Task Random_command_sequences_get_identical_replies(int seed, bool asynchronousStore)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, GatewayPort(asynchronousStore));
        await pair.SameAsync("flush_all\r\n");
        var random = new Random(seed);
        for (int step = 0; step < 600; step++)
        {
            await RandomStepAsync(pair, random);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Error_replies_match(bool asynchronousStore)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, GatewayPort(asynchronousStore));
        string key250 = new('k', KeyMax), key251 = new('k', KeyMax + 1);
        string[] requests =
        [
            "bogus\r\n", "\r\n", "GET a\r\n", "get\r\n", "gets\r\n", "gat 10\r\n", "gat abc a\r\n",
            "set a 0 0\r\n", "set a 0 0 abc\r\n", "set a 0 0 -1\r\n", "set a -1 0 1\r\n", "set a abc 0 1\r\n",
            "set a 0 abc 1\r\n", "set a 0 0 1 noreply extra\r\nx\r\n", "cas a 0 0 1\r\n", "cas a 0 0 1 abc\r\n",
            "set a 0 0 2\r\nabc\r\n", "set a 0 0 2\r\nabcd\r\n", "set a 0 0 1 noreply\r\nxx\r\n",
            $"set {key250} 0 0 1\r\nx\r\n", $"get {key250}\r\n", $"set {key251} 0 0 1\r\nx\r\n", $"get a {key251} a\r\n",
            $"delete {key251}\r\n", $"incr {key251} 1\r\n", $"touch {key251} 1\r\n", $"mg {key251} v\r\n",
            "incr\r\n", "incr a\r\n", "incr a abc\r\n", "incr a -1\r\n", "incr a 18446744073709551616\r\n",
            "set n 0 0 2\r\n10\r\n", "incr n 18446744073709551615\r\n", "decr n 100\r\n", "decr n abc noreply\r\n",
            "set t 0 0 3\r\nabc\r\n", "incr t 1\r\n", "decr t 1 noreply\r\n",
            "delete\r\n", "delete a 0\r\n", "delete a 5\r\n", "delete a 0 noreply\r\n", "delete a 5 noreply\r\n",
            "touch a\r\n", "touch a abc\r\n", "touch a 10 noreply\r\n",
            "flush_all abc\r\n", "flush_all 0 noreply\r\n", "flush_all 1 2 3\r\n", "verbosity\r\n", "verbosity 1\r\n",
            "verbosity 1 noreply\r\n", "verbosity 1 2 3\r\n", "stats nonsense\r\n", "mn extra\r\n",
            "set f 4294967296 0 1\r\nx\r\n", "get f\r\n", "set f 18446744073709551616 0 1\r\nx\r\n",
            "mg\r\n", "ms\r\n", "ms a\r\n", "ms a abc\r\n", "ms a 1 Z\r\nx\r\n", "ms a 1 MX\r\nx\r\n", "ms a 1 Fabc\r\nx\r\n",
            "ms a 1 Tabc\r\nx\r\n", "mg a Z\r\n", "mg a v v\r\n", "mg a Tabc\r\n", "mg YQ== b v k\r\n", "mg a b\r\n",
            $"mg a O{new string('1', 32)}\r\n", $"mg a O{new string('1', 31)} v\r\n", "md a x\r\n", "md a Cabc\r\n",
            "ma a Dabc\r\n", "ma a MX\r\n", "ma t\r\n", "me\r\n",
        ];
        foreach (string request in requests)
        {
            await pair.SameAsync(request);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Large_values_match_at_the_item_size_limit(bool asynchronousStore)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, GatewayPort(asynchronousStore));
        foreach (int size in new[] { 1000, 500_000, 1_000_000, 1_048_400, 1_048_560, 1024 * 1024, 1024 * 1024 + 1, 2 * 1024 * 1024 })
        {
            string value = new((char)('a' + size % 26), size);
            await pair.SameAsync($"set big 0 0 {size}\r\n{value}\r\n");
            await pair.SameAsync("get big\r\n");
            await pair.SameAsync($"ms big {size} T0\r\n{value}\r\n");
            await pair.SameAsync("mg big s v\r\n");
        }
        // A refused set removes the old value, as memcached does.
        await pair.SameAsync("set big 0 0 3\r\nold\r\n");
        await pair.SameAsync($"set big 0 0 {2 * 1024 * 1024}\r\n{new string('x', 2 * 1024 * 1024)}\r\n");
        await pair.SameAsync("get big\r\n");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cas_races_match(bool asynchronousStore)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, GatewayPort(asynchronousStore));
        await using var other = await ServerPair.ConnectAsync(_memcached.Port, GatewayPort(asynchronousStore));
        await pair.SameAsync("set race 0 0 1\r\na\r\n");
        (string casA, string casB) = await pair.CasOfAsync("race");
        // Another client wins the race: the first client's CAS is stale now.
        (string otherA, string otherB) = await other.CasOfAsync("race");
        await other.SameAsync(a => $"cas race 0 0 1 {otherA}\r\nb\r\n", b => $"cas race 0 0 1 {otherB}\r\nb\r\n");
        await pair.SameAsync(a => $"cas race 0 0 1 {casA}\r\nc\r\n", b => $"cas race 0 0 1 {casB}\r\nc\r\n");
        await pair.SameAsync(a => $"ms race 1 C{casA}\r\nd\r\n", b => $"ms race 1 C{casB}\r\nd\r\n");
        await pair.SameAsync(a => $"md race C{casA}\r\n", b => $"md race C{casB}\r\n");
        await pair.SameAsync("gets race\r\n");
        await pair.SameAsync("delete race\r\n");
        await pair.SameAsync(a => $"cas race 0 0 1 {casA}\r\ne\r\n", b => $"cas race 0 0 1 {casB}\r\ne\r\n");
    }

    [Fact]
    public async Task Expiry_matches()
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, _gateway.Port);
        await pair.SameAsync("set gone 0 -1 1\r\nx\r\n");
        await pair.SameAsync("get gone\r\n");
        await pair.SameAsync("set soon 0 1 1\r\nx\r\n");
        await pair.SameAsync("set later 0 1000 1\r\nx\r\n");
        await pair.SameAsync("get soon later\r\n");
        await pair.SameAsync("mg later t\r\nmg gone t\r\n");
        await pair.SameAsync("touch later 1\r\n");

        // Both must forget relative exptime 1 within a few seconds; poll rather than guess the instant.
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            (string a, string b) = await pair.CallBothAsync("get soon later\r\n");
            if (a == "END\r\n" && b == "END\r\n")
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"items did not expire: memcached {a}, gateway {b}");
            await Task.Delay(200);
        }
    }

    private static readonly string[] Keys = ["k0", "k1", "k2", "k3", "k4", "k5", "num", "/region/cluster/k7|#|x"];

    private static async Task RandomStepAsync(ServerPair pair, Random random)
    {
        string key = Keys[random.Next(Keys.Length)];
        string noreply = random.Next(6) == 0 ? " noreply" : "";
        switch (random.Next(22))
        {
            case 0 or 1 or 2:
            {
                string command = new[] { "set", "add", "replace", "append", "prepend" }[random.Next(5)];
                string value = RandomValue(random);
                long flags = random.Next(4) == 0 ? (long)uint.MaxValue + random.Next(3) : random.Next(100);
                int exptime = new[] { 0, 0, 0, -1, 1000 }[random.Next(5)];
                await pair.SameAsync($"{command} {key} {flags} {exptime} {value.Length}{noreply}\r\n{value}\r\n");
                break;
            }
            case 3:
            {
                int count = random.Next(1, 5);
                string keys = string.Join(' ', Enumerable.Range(0, count).Select(_ => Keys[random.Next(Keys.Length)]));
                await pair.SameAsync($"{(random.Next(2) == 0 ? "get" : "gets")} {keys}\r\n");
                break;
            }
            case 4:
                await pair.SameAsync($"{(random.Next(2) == 0 ? "gat" : "gats")} {new[] { 0, 1000 }[random.Next(2)]} {key} {Keys[random.Next(Keys.Length)]}\r\n");
                break;
            case 5:
                await pair.SameAsync($"delete {key}{noreply}\r\n");
                break;
            case 6:
            {
                string delta = new[] { "1", "5", "18446744073709551615", "0", "abc", "-3" }[random.Next(6)];
                await pair.SameAsync($"{(random.Next(2) == 0 ? "incr" : "decr")} {key} {delta}{noreply}\r\n");
                break;
            }
            case 7:
                await pair.SameAsync($"set num 0 0 2{noreply}\r\n{random.Next(10, 99)}\r\n");
                break;
            case 8:
                await pair.SameAsync($"touch {key} {new[] { 0, 1000, -1 }[random.Next(3)]}{noreply}\r\n");
                break;
            case 9:
                if (random.Next(10) == 0)
                {
                    await pair.SameAsync($"flush_all{noreply}\r\n");
                }
                break;
            case 10:
            {
                (string casA, string casB) = await pair.CasOfAsync(key);
                string value = RandomValue(random);
                string suffix = $"{value.Length}{noreply}\r\n{value}\r\n";
                if (casA.Length > 0 && random.Next(3) > 0)
                {
                    await pair.SameAsync(a => $"cas {key} 1 0 {casA} {suffix}".Replace($"{casA} {value.Length}", $"{value.Length} {casA}"),
                        b => $"cas {key} 1 0 {casB} {suffix}".Replace($"{casB} {value.Length}", $"{value.Length} {casB}"));
                }
                else
                {
                    await pair.SameAsync($"cas {key} 1 0 {value.Length} 999999999{noreply}\r\n{value}\r\n");
                }
                break;
            }
            case 11 or 12:
            {
                string[] flags = ["v", "f", "k", "s", "c", "q", "O" + random.Next(1000)];
                string chosen = string.Join(' ', flags.Where(_ => random.Next(2) == 0));
                await pair.SameAsync($"mg {key} {chosen}".TrimEnd() + "\r\n");
                break;
            }
            case 13:
            {
                string value = RandomValue(random);
                string[] flags = ["F" + random.Next(50), "T" + new[] { 0, 1000, -1 }[random.Next(3)], "M" + "SEAPR"[random.Next(5)], "q", "k", "O" + random.Next(100), "c"];
                string chosen = string.Join(' ', flags.Where(_ => random.Next(2) == 0));
                await pair.SameAsync($"ms {key} {value.Length} {chosen}".TrimEnd() + $"\r\n{value}\r\n");
                break;
            }
            case 14:
            {
                string[] flags = ["q", "k", "O" + random.Next(100), "C" + random.Next(1, 5)];
                string chosen = string.Join(' ', flags.Where(_ => random.Next(3) == 0));
                await pair.SameAsync($"md {key} {chosen}".TrimEnd() + "\r\n");
                break;
            }
            case 15:
            {
                string[] flags = ["N0", "J" + random.Next(100), "D" + random.Next(10), "M" + "I+D-"[random.Next(4)], "v", "q", "k", "O" + random.Next(100)];
                string chosen = string.Join(' ', flags.Where(_ => random.Next(2) == 0));
                await pair.SameAsync($"ma {key} {chosen}".TrimEnd() + "\r\n");
                break;
            }
            case 16:
            {
                string encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(key));
                await pair.SameAsync($"mg {encoded} b v f\r\n");
                break;
            }
            case 17:
                await pair.SameAsync(new[] { "bogus\r\n", "\r\n", "get " + new string('x', KeyMax + 1) + "\r\n", "incr\r\n", "mn\r\n" }[random.Next(5)]);
                break;
            case 18:
            {
                string bigKey = new((char)('a' + random.Next(3)), KeyMax + random.Next(2));
                await pair.SameAsync($"set {bigKey} 0 0 1{noreply}\r\nx\r\n");
                await pair.SameAsync($"get {bigKey}\r\n");
                break;
            }
            case 19:
            {
                string value = RandomValue(random);
                await pair.SameAsync($"set {key} 0 0 {value.Length + 1}\r\n{value}\r\n\r\n"); // wrong length: bad data chunk
                break;
            }
            default:
            {
                // Pipelined: several commands in one write.
                string value = RandomValue(random);
                await pair.SameAsync($"set {key} 5 0 {value.Length}\r\n{value}\r\nget {key}\r\nappend {key} 0 0 1\r\nz\r\ngets {key}\r\ndelete {key}\r\n");
                break;
            }
        }
    }

    private static string RandomValue(Random random)
    {
        int length = random.Next(8) == 0 ? random.Next(1000, 20_000) : random.Next(0, 40);
        var text = new char[length];
        for (int i = 0; i < length; i++)
        {
            text[i] = (char)('a' + random.Next(26));
        }
        return new string(text);
    }

    /// <summary>One connection to memcached and one to the gateway, fed the same requests.</summary>
    private sealed class ServerPair : IAsyncDisposable
    {
        private readonly TextClient _memcached;
        private readonly TextClient _gateway;
        private readonly ReplyNormalizer _memcachedNormalizer = new();
        private readonly ReplyNormalizer _gatewayNormalizer = new();
        private readonly Queue<string> _history = new();

        private ServerPair(TextClient memcached, TextClient gateway)
        {
            _memcached = memcached;
            _gateway = gateway;
        }

        public static async Task<ServerPair> ConnectAsync(int memcachedPort, int gatewayPort) =>
            new(await TextClient.ConnectAsync(memcachedPort), await TextClient.ConnectAsync(gatewayPort));

        public Task SameAsync(string request) => SameAsync(_ => request, _ => request);

        public async Task SameAsync(Func<string, string> memcachedRequest, Func<string, string> gatewayRequest)
        {
            string forMemcached = memcachedRequest("");
            string forGateway = gatewayRequest("");
            string expected = _memcachedNormalizer.Normalize(await _memcached.CallAsync(forMemcached));
            string actual = _gatewayNormalizer.Normalize(await _gateway.CallAsync(forGateway));
            Remember(forGateway, expected);
            if (expected != actual)
            {
                Assert.Fail($"Reply differs for {Show(forGateway)}\n memcached: {Show(expected)}\n gateway:   {Show(actual)}\nrecent requests:\n{string.Join('\n', _history)}");
            }
        }

        public async Task<(string Memcached, string Gateway)> CallBothAsync(string request) =>
            (await _memcached.CallAsync(request), await _gateway.CallAsync(request));

        /// <summary>The key's CAS on each server ("" when missing), read with gets.</summary>
        public async Task<(string Memcached, string Gateway)> CasOfAsync(string key)
        {
            (string a, string b) = await CallBothAsync($"gets {key}\r\n");
            return (ReplyNormalizer.CasOf(a) ?? "", ReplyNormalizer.CasOf(b) ?? "");
        }

        private void Remember(string request, string reply)
        {
            _history.Enqueue($"  {Show(request)} -> {Show(reply)}");
            if (_history.Count > 12)
            {
                _history.Dequeue();
            }
        }

        private static string Show(string text) =>
            (text.Length > 300 ? text[..300] + $"...({text.Length} chars)" : text).Replace("\r", "\\r").Replace("\n", "\\n");

        public ValueTask DisposeAsync()
        {
            _memcached.Dispose();
            _gateway.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

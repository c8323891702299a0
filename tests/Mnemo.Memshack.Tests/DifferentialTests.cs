using System.Text;
using System.Text.RegularExpressions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// The gateway must answer exactly as memcached 1.6 does: the same random command sequences go to a
/// real memcached and to the gateway, and the replies (CAS values normalized) must be identical.
/// The gateway runs over an engine region, which answers synchronously, over a Ch3-sharded store
/// whose shards answer asynchronously (as replicated shards across the network do), and (for the
/// meta lease sequences) over 3 shards × 2 replicas, each shard a <see cref="ReplicaSet"/> of two
/// engine regions, so leases and CAS go through the replica set's write and read paths.
/// </summary>
public sealed partial class DifferentialTests : IAsyncLifetime
{
    private const int KeyMax = 250;
    private MemcachedProcess _memcached = null!;
    private GatewayServer _gateway = null!;
    private GatewayServer _asyncGateway = null!;
    private GatewayServer _replicatedGateway = null!;

    public async Task InitializeAsync()
    {
        _memcached = await MemcachedProcess.StartAsync();
        _gateway = await GatewayServer.StartAsync();
        _asyncGateway = await GatewayServer.StartAsync(pool =>
            new ShardedCacheStore(Enumerable.Range(0, 3).Select(i => new YieldingCacheStore(pool.Region($"shard-{i}"))).ToArray()));
        _replicatedGateway = await GatewayServer.StartAsync(pool =>
            new ShardedCacheStore(Enumerable.Range(0, 3).Select(shard => (IAsyncCacheStore)new ReplicaSet(
                [pool.Region($"shard-{shard}-a"), pool.Region($"shard-{shard}-b")],
                new ReplicaSetOptions { GatewayName = $"gateway-{shard}", CasClock = new CasClock(1) })).ToArray()));
    }

    public async Task DisposeAsync()
    {
        _memcached.Dispose();
        await _gateway.DisposeAsync();
        await _asyncGateway.DisposeAsync();
        await _replicatedGateway.DisposeAsync();
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

    public static TheoryData<bool> Replicated => new() { false, true };

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Lease_sequences_match(bool replicated)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, replicated ? _replicatedGateway.Port : _gateway.Port);
        await pair.SameAsync("mn\r\n");

        // Vivify on a miss wins (W); later readers see the token sent (Z). A t before the N still saw no TTL.
        await pair.SameAsync("mg viv v c t N30 k O1 s f\r\n");
        await pair.SameAsync("mg viv v c N30 k O2\r\n");
        await pair.SameAsync("mg viv N30 q\r\n");
        await pair.SameAsync("mg viv2 N0 c v\r\nmg viv2 c v\r\nmg viv2 c T0 N0\r\n");
        (string vivA, string vivB) = await pair.CasOfAsync("viv");
        // The winner fills the item with a CAS from its win: a new version clears the token.
        await pair.SameAsync(a => $"ms viv 5 C{vivA} T0 c\r\nvalue\r\n", b => $"ms viv 5 C{vivB} T0 c\r\nvalue\r\n");
        await pair.SameAsync("mg viv v c t\r\n");

        // Invalidate, then the first reader wins the stale item; the others see Z X.
        await pair.SameAsync("set inv 3 0 3\r\nold\r\n");
        (string oldA, string oldB) = await pair.CasOfAsync("inv");
        await pair.SameAsync("md inv I k O7\r\n");
        await pair.SameAsync("mg inv v c f\r\n");
        await pair.SameAsync("mg inv v c f\r\n");
        await pair.SameAsync("gets inv\r\n");
        // ms I with the CAS from before the invalidation (older than the item's): stored, still stale, token kept.
        await pair.SameAsync(a => $"ms inv 3 I C{oldA} c\r\nnew\r\n", b => $"ms inv 3 I C{oldB} c\r\nnew\r\n");
        await pair.SameAsync("mg inv v c\r\n");
        // Without I an old CAS is refused; with I on add/append modes it is an ordinary compare.
        await pair.SameAsync(a => $"ms inv 3 C{oldA}\r\nbad\r\n", b => $"ms inv 3 C{oldB}\r\nbad\r\n");
        await pair.SameAsync(a => $"ms inv 3 I MA C{oldA}\r\nbad\r\n", b => $"ms inv 3 I MA C{oldB}\r\nbad\r\n");
        (string currentA, string currentB) = await pair.CasOfAsync("inv");
        await pair.SameAsync(a => $"ms inv 5 C{currentA} c\r\nfresh\r\n", b => $"ms inv 5 C{currentB} c\r\nfresh\r\n");
        await pair.SameAsync("mg inv v c\r\n");

        // md I with a CAS: a mismatch is EX, a match marks stale; T sets the TTL; a missing key is NF.
        await pair.SameAsync("md inv I C1 k\r\n");
        (string freshA, string freshB) = await pair.CasOfAsync("inv");
        await pair.SameAsync(a => $"md inv I T0 q C{freshA}\r\nmn\r\n", b => $"md inv I T0 q C{freshB}\r\nmn\r\n");
        await pair.SameAsync("mg inv v c t\r\n");
        await pair.SameAsync("md nothing I\r\n");
        await pair.SameAsync("md inv I T-1\r\nmg inv v\r\n");

        // ms I on a fresh item with an older CAS: stored stale, and the next reader wins.
        await pair.SameAsync("set plain 0 0 1\r\n5\r\n");
        (string plainA, string plainB) = await pair.CasOfAsync("plain");
        await pair.SameAsync("set plain 0 0 1\r\n6\r\n");
        await pair.SameAsync(a => $"ms plain 1 I C{plainA}\r\n7\r\n", b => $"ms plain 1 I C{plainB}\r\n7\r\n");
        await pair.SameAsync("mg plain v c\r\nmg plain v c\r\n");
        // I without C is a plain set.
        await pair.SameAsync("ms plain 1 I\r\n8\r\nmg plain v c\r\n");

        // R: an item with less TTL left than the token wins once; one with more does not.
        await pair.SameAsync("ms soon 2 T20\r\nhi\r\nms late 2 T0\r\nhi\r\n");
        await pair.SameAsync("mg soon v R30\r\nmg soon v R30\r\nmg soon v R5\r\n");
        await pair.SameAsync("mg late v R30 c\r\nmg late R30\r\n");
        await pair.SameAsync("ms soon 2 T20\r\nho\r\nmg soon v R30\r\n");

        // Base64 keys: vivify, invalidate and win through b.
        await pair.SameAsync("mg bGVhc2U= b k v N30 c\r\n");
        await pair.SameAsync("md bGVhc2U= b I k\r\n");
        await pair.SameAsync("mg bGVhc2U= b v c\r\nmg bGVhc2U= b v c s\r\n");
        await pair.SameAsync("mg bm9uZQ== b k v N0 q\r\n");

        // Bad lease tokens.
        await pair.SameAsync("mg viv N\r\nmg viv Rx\r\nmg viv N1 N2\r\nmd viv I Tx\r\nms viv 1 I I\r\nx\r\n");
    }

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Only_mg_wins_a_stale_item(bool replicated)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, replicated ? _replicatedGateway.Port : _gateway.Port);
        // get, gets, gat and gats serve the stale value without taking the token: the next mg wins (X W, not Z X).
        await pair.SameAsync("set stale 4 0 3\r\nold\r\nmd stale I\r\n");
        await pair.SameAsync("get stale\r\ngets stale\r\n");
        await pair.SameAsync("gat 100 stale\r\ngats 100 stale\r\n");
        await pair.SameAsync("mg stale v c f\r\n");
        await pair.SameAsync("get stale\r\nmg stale v c\r\n");
        // md I again clears the token; a plain read in between still leaves the win to mg.
        await pair.SameAsync("md stale I\r\nget stale\r\nmg stale v c\r\nmg stale v\r\n");
        // The same for a value stored stale by ms I with an older CAS.
        await pair.SameAsync("set late 0 0 1\r\n1\r\n");
        (string oldA, string oldB) = await pair.CasOfAsync("late");
        await pair.SameAsync("set late 0 0 1\r\n2\r\n");
        await pair.SameAsync(a => $"ms late 1 I C{oldA}\r\n3\r\n", b => $"ms late 1 I C{oldB}\r\n3\r\n");
        await pair.SameAsync("get late\r\nmg late v c\r\nmg late v\r\n");
    }

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Mg_reports_the_ttl_where_t_stands_against_T(bool replicated)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, replicated ? _replicatedGateway.Port : _gateway.Port);
        await pair.SameAsync("set ttl 0 1000 1\r\nx\r\n");
        // t before T: the TTL before the touch; after T: the new one.
        await pair.SameWithinASecondAsync("mg ttl t T30\r\n");
        await pair.SameWithinASecondAsync("mg ttl t\r\n");
        await pair.SameWithinASecondAsync("mg ttl T60 t v\r\n");
        await pair.SameWithinASecondAsync("mg ttl t v T0 c\r\nmg ttl t T40\r\nmg ttl t\r\n");
        // gat and the later reads see the touch either way.
        await pair.SameWithinASecondAsync("gat 0 ttl\r\nmg ttl t\r\n");
        // A t before the N that created the item saw no TTL; one after the T sees the touched TTL.
        await pair.SameWithinASecondAsync("mg viv-ttl t N30 T60\r\nmg viv-ttl t\r\n");
        await pair.SameWithinASecondAsync("mg viv-ttl2 N30 T60 t\r\n");
        // A stale item touched by mg: the TTL before the touch, and the win.
        await pair.SameAsync("set stale-ttl 0 500 1\r\nx\r\nmd stale-ttl I\r\n");
        await pair.SameWithinASecondAsync("mg stale-ttl t T20 v\r\nmg stale-ttl t v\r\n");
    }

    /// <summary>Every order of four tokens, each token once.</summary>
    private static IEnumerable<string[]> Orders(string[] tokens) =>
        tokens.Length == 1
            ? [tokens]
            : tokens.SelectMany((first, i) => Orders([.. tokens[..i], .. tokens[(i + 1)..]]).Select(rest => (string[])[first, .. rest]));

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Mg_applies_N_T_R_and_t_in_the_order_written(bool replicated)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, replicated ? _replicatedGateway.Port : _gateway.Port);
        // (the item's TTL before the mg, or null for a miss; the N, T and R tokens). On a miss the later of N and T sets the
        // TTL and t sees whichever came before it; on a hit R judges the TTL before or after the touch, as written.
        (int? Before, string Vivify, string Touch, string Recache)[] cases =
        [
            (null, "N30", "T60", "R90"),
            (null, "N0", "T60", "R90"),
            (null, "N30", "T0", "R90"),
            (10, "N30", "T100", "R30"),
            (100, "N30", "T10", "R30"),
            (0, "N30", "T10", "R30"),
        ];
        int next = 0;
        foreach ((int? before, string vivify, string touch, string recache) in cases)
        {
            foreach (string[] order in Orders([vivify, touch, recache, "t"]))
            {
                string key = $"order{next++}";
                if (before is int ttl)
                {
                    await pair.SameAsync($"set {key} 0 {ttl} 1\r\nx\r\n");
                }
                await pair.SameWithinASecondAsync($"mg {key} {string.Join(' ', order)}\r\n");
                await pair.SameWithinASecondAsync($"mg {key} t\r\n");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Recache_wins_as_the_ttl_runs_down(bool replicated)
    {
        await using var pair = await ServerPair.ConnectAsync(_memcached.Port, replicated ? _replicatedGateway.Port : _gateway.Port);
        await pair.SameAsync("ms expiring 2 T6\r\nhi\r\n");
        // Each server wins when its remaining TTL drops below 4 s; poll each rather than guess the instant.
        foreach (TextClient client in new[] { pair.Memcached, pair.Gateway })
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                string reply = await client.CallAsync("mg expiring v R4\r\n");
                if (reply == "VA 2 W\r\nhi\r\n")
                {
                    break;
                }
                Assert.Equal("VA 2\r\nhi\r\n", reply);
                Assert.True(DateTime.UtcNow < deadline, "the item never won a recache");
                await Task.Delay(100);
            }
        }
        await pair.SameAsync("mg expiring v R4\r\nmg expiring v R30 k\r\n");
    }

    [Theory]
    [MemberData(nameof(Replicated))]
    public async Task Explicit_cas_is_kept(bool replicated)
    {
        // memcached 1.6.18 refuses E (later releases accept it), so these replies are stated, not compared.
        using TextClient client = await TextClient.ConnectAsync(replicated ? _replicatedGateway.Port : _gateway.Port);
        (string Request, string Reply)[] steps =
        [
            ("ms ecas 2 E12345 c\r\nhi\r\n", "HD c12345\r\n"),
            ("mg ecas c v\r\n", "VA 2 c12345\r\nhi\r\n"),
            ("ms ecas 2 C12345 E12400 c\r\nho\r\n", "HD c12400\r\n"),
            ("md ecas I C12400 E12500\r\n", "HD\r\n"),
            ("mg ecas c v\r\n", "VA 2 c12500 X W\r\nho\r\n"),
            // A replicated shard orders a key's versions by CAS, so an E below the item's version is raised above it.
            ("ms ecas 2 I C12400 E12450 c\r\nhx\r\n", replicated ? "HD c12501\r\n" : "HD c12450\r\n"),
            ("mg ecas c\r\n", replicated ? "HD c12501 Z X\r\n" : "HD c12450 Z X\r\n"),
            ("mg evivid N30 E777 c\r\n", "HD c777 W\r\n"),
            ("mg evivid c\r\n", "HD c777 Z\r\n"),
            ("ma ecount N0 J5 E55 c v\r\n", "VA 1 c55\r\n5\r\n"),
            ("ma ecount E56 c v\r\n", "VA 1 c56\r\n6\r\n"),
            ("ma ecount C1 E57 c v\r\n", "EX\r\n"),
            ("ma ecount C56 E58 c v\r\n", "VA 1 c58\r\n7\r\n"),
            ("gets ecount\r\n", "VALUE ecount 0 1 58\r\n7\r\nEND\r\n"),
            ("ms ecas 1 Exyz\r\nx\r\n", "CLIENT_ERROR bad token in command line format\r\n"),
        ];
        foreach ((string request, string reply) in steps)
        {
            Assert.Equal(reply, await client.CallAsync(request));
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
    private sealed partial class ServerPair : IAsyncDisposable
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

        public TextClient Memcached => _memcached;

        public TextClient Gateway => _gateway;

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

        /// <summary>
        /// Like <see cref="SameAsync(string)"/>, but each remaining TTL (t) may differ by one second: the two
        /// servers' clocks tick at different instants.
        /// </summary>
        public async Task SameWithinASecondAsync(string request)
        {
            string expected = _memcachedNormalizer.Normalize(await _memcached.CallAsync(request));
            string actual = _gatewayNormalizer.Normalize(await _gateway.CallAsync(request));
            Remember(request, expected);
            string[] expectedTtls = RemainingTtls(expected);
            string[] actualTtls = RemainingTtls(actual);
            bool same = RemainingTtl().Replace(expected, " t?") == RemainingTtl().Replace(actual, " t?")
                && expectedTtls.Length == actualTtls.Length
                && expectedTtls.Zip(actualTtls).All(t => Math.Abs(long.Parse(t.First) - long.Parse(t.Second)) <= 1);
            if (!same)
            {
                Assert.Fail($"Reply differs for {Show(request)}\n memcached: {Show(expected)}\n gateway:   {Show(actual)}\nrecent requests:\n{string.Join('\n', _history)}");
            }
        }

        private static string[] RemainingTtls(string reply) => RemainingTtl().Matches(reply).Select(m => m.Groups["ttl"].Value).ToArray();

        [GeneratedRegex(@"(?<=^(HD|VA)\b[^\r\n]*) t(?<ttl>-?\d+)", RegexOptions.Multiline)]
        private static partial Regex RemainingTtl();

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

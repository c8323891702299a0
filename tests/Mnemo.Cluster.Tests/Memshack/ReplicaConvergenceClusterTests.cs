using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Mnemo.DataPlane;
using Xunit;
using Xunit.Abstractions;
using static Mnemo.Cluster.Tests.MemshackCluster;

namespace Mnemo.Cluster.Tests;

/// <summary>Three silos serving the sample Memshacks, with anti-entropy left out of the way (one pass an hour), so what converges here converged by the write path alone.</summary>
public sealed class ConvergenceClusterFixture : IAsyncLifetime
{
    public MemshackCluster Memshacks { get; private set; } = null!;

    public async Task InitializeAsync() => Memshacks = await StartAsync(antiEntropyInterval: TimeSpan.FromHours(1));

    public async Task DisposeAsync() => await Memshacks.DisposeAsync();
}

/// <summary>
/// Writers through every gateway at once leave every replica of every key identical, compared on the
/// replica nodes directly (not through a gateway), and <c>mnemo verify</c>, run as a process, agrees;
/// it reports a key that one replica alone holds.
/// </summary>
public sealed class ReplicaConvergenceClusterTests(ConvergenceClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ConvergenceClusterFixture>
{
    private const int HotKeys = 40;
    private MemshackCluster Memshacks => fixture.Memshacks;

    [Fact]
    public async Task Concurrent_writers_through_every_gateway_leave_identical_replicas()
    {
        // Mixed commands on few keys from every gateway at once: the same keys are raced all the time.
        var serverErrors = new ConcurrentQueue<string>();
        int[] replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(node =>
            MixedWritesAsync(Memshacks, Strict, node, seed: node, operations: 400, serverErrors: serverErrors)));
        output.WriteLine($"{replies.Sum()} writes answered");
        Assert.True(serverErrors.IsEmpty, "every replica is up, yet: " + string.Join('\n', serverErrors.Take(10)));

        List<string> differing = await Memshacks.DifferingReplicaKeysAsync(Strict);
        Assert.True(differing.Count == 0, $"{differing.Count} keys differ between replicas:\n" + string.Join('\n', differing.Take(10)));

        CliRunner.Result verify = await VerifyAsync(Memshacks, "strict", "-o", "json");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        using JsonDocument shards = JsonDocument.Parse(verify.Stdout);
        Assert.Equal(3, shards.RootElement.GetArrayLength());
        Assert.All(shards.RootElement.EnumerateArray(), shard =>
        {
            Assert.Equal(0, shard.GetProperty("differingKeys").GetInt64());
            Assert.Equal(0, shard.GetProperty("unreachable").GetArrayLength());
            Assert.Equal(2, shard.GetProperty("replicas").GetArrayLength());
        });
    }

    [Fact]
    public async Task Increments_from_every_gateway_at_once_sum_exactly()
    {
        const int PerGateway = 150;
        await using (MemcachedTextClient first = await MemcachedTextClient.ConnectAsync(Memshacks.GatewayPort(Strict, 0)))
            Assert.Equal("STORED", await first.SetAsync("counter", "0"));

        await Task.WhenAll(Enumerable.Range(0, 3).Select(async node =>
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(Memshacks.GatewayPort(Strict, node));
            for (int n = 0; n < PerGateway; n++)
                Assert.Matches("^[0-9]+$", await client.CommandAsync("incr counter 1"));
        }));

        await using MemcachedTextClient reader = await MemcachedTextClient.ConnectAsync(Memshacks.GatewayPort(Strict, 1));
        (int shard, string[] replicas) = await reader.RouteAsync("counter");
        foreach (int node in replicas.Select(NodeIndex))
            Assert.Equal($"{3 * PerGateway}", await Memshacks.ReadReplicaAsync(node, Strict, shard, "counter"));
    }

    [Fact]
    public async Task Verify_reports_a_key_that_one_replica_alone_holds()
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(Memshacks.GatewayPort(Lenient, 0));
        (int shard, string[] replicas) = await client.RouteAsync("only-on-one");
        int holder = NodeIndex(replicas[0]);
        await using (PeerConnection peer = MemshackCluster.ConnectDataPlane(Memshacks.Cluster, holder))
        {
            // Behind the replica sets' back, as a crash between the replica writes would leave it.
            CacheResult stored = await peer.StoreAsync(Encoding.UTF8.GetBytes(Region(Lenient, shard)), CacheStoreMode.Set, Encoding.UTF8.GetBytes("only-on-one"),
                Encoding.UTF8.GetBytes("x"), 0, 0);
            Assert.Equal(CacheStatus.Ok, stored.Status);
        }

        CliRunner.Result json = await VerifyAsync(Memshacks, "lenient", "-o", "json");
        CliRunner.Result table = await VerifyAsync(Memshacks, "lenient");

        Assert.True(json.ExitCode == 3, json.Stdout + json.Stderr);
        using JsonDocument shards = JsonDocument.Parse(json.Stdout);
        JsonElement reported = shards.RootElement[shard];
        Assert.Equal(1, reported.GetProperty("differingKeys").GetInt64());
        Assert.Equal("only-on-one", reported.GetProperty("keys")[0].GetProperty("key").GetString());
        Assert.Equal(3, table.ExitCode);
        Assert.Contains("only-on-one", table.Stdout);
        Assert.Contains("DIFFERING KEYS", table.Stdout);

        // A delete the ordinary way reaches both replicas (one had no item: the reply is the worst, NOT_FOUND): they agree again.
        Assert.Equal("NOT_FOUND", await client.CommandAsync("delete only-on-one"));
        Assert.Equal(0, (await VerifyAsync(Memshacks, "lenient")).ExitCode);
    }

    /// <summary>
    /// Random set, delete, append, prepend, incr, cas and touch on <see cref="HotKeys"/> keys through
    /// node <paramref name="node"/>'s gateway, until <paramref name="operations"/> are answered or
    /// <paramref name="stop"/> fires; values stay numeric so incr applies. Returns the count answered;
    /// SERVER_ERROR replies go to <paramref name="serverErrors"/>.
    /// </summary>
    internal static async Task<int> MixedWritesAsync(MemshackCluster memshacks, string memshack, int node, int seed, int operations,
        CancellationToken stop = default, ConcurrentQueue<string>? serverErrors = null)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(memshack, node));
        var random = new Random(seed);
        int n = 0;
        for (; n < operations && !stop.IsCancellationRequested; n++)
        {
            string key = $"hot:{random.Next(HotKeys)}";
            string reply = random.Next(8) switch
            {
                0 => await client.CommandAsync($"delete {key}"),
                1 => await client.CommandAsync($"append {key} 0 0 1\r\n1"),
                2 => await client.CommandAsync($"prepend {key} 0 0 1\r\n2"),
                3 => await client.CommandAsync($"incr {key} 3"),
                4 => await client.CommandAsync($"touch {key} 300"),
                5 => await client.GetsAsync(key) is { } item ? await client.CasAsync(key, $"{item.Value.Length}", item.Cas) : "NOT_FOUND",
                _ => await client.SetAsync(key, $"{random.Next(1000)}"),
            };
            if (reply.StartsWith("SERVER_ERROR", StringComparison.Ordinal))
                serverErrors?.Enqueue($"{key} through node-{node}: {reply}");
        }
        return n;
    }

    internal static Task<CliRunner.Result> VerifyAsync(MemshackCluster memshacks, string name, params string[] options) =>
        CliRunner.MnemoAsync(["verify", name, "--gateway", memshacks.Cluster.Gateways[0], "--cluster-id", memshacks.Cluster.ClusterId, .. options]);
}

/// <summary>
/// The same with a silo killed (kill -9) and restarted in the middle of the writes, and anti-entropy
/// every second: a key one replica alone holds is found and repaired in the background, and counted.
/// </summary>
public sealed class ReplicaConvergenceFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Writers_through_every_gateway_with_a_silo_killed_and_restarted_leave_identical_replicas()
    {
        const int Victim = 1;
        await using MemshackCluster memshacks = await StartAsync(antiEntropyInterval: TimeSpan.FromSeconds(1));
        int[] survivors = [0, 2];
        using var stop = new CancellationTokenSource();
        // The victim's gateway takes writes until it dies; the survivors' throughout.
        Task<int> victimWrites = WritesUntilFailureAsync(memshacks, Victim, stop.Token);
        Task<int>[] writers = survivors
            .Select(node => ReplicaConvergenceClusterTests.MixedWritesAsync(memshacks, Lenient, node, seed: 10 + node, int.MaxValue, stop.Token))
            .ToArray();

        await Task.Delay(TimeSpan.FromSeconds(1));
        await memshacks.Cluster.KillAsync(Victim);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await memshacks.Cluster.RestartAsync(Victim);
        await Task.Delay(TimeSpan.FromSeconds(1));
        stop.Cancel();
        int[] written = await Task.WhenAll(writers);
        output.WriteLine($"writes answered: victim {await victimWrites}, survivors {string.Join(", ", written)}");
        Assert.All(written, count => Assert.True(count > 50, $"too few writes: {count}"));

        await memshacks.Cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(30));
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        List<string> differing = await memshacks.DifferingReplicaKeysAsync(Lenient);
        Assert.True(differing.Count == 0, $"{differing.Count} keys differ between replicas:\n" + string.Join('\n', differing.Take(10)));
        CliRunner.Result verify = await ReplicaConvergenceClusterTests.VerifyAsync(memshacks, "lenient");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // A key one replica alone holds (as a crash between replica writes leaves it) is repaired by the background pass.
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, 0));
        (int shard, string[] replicas) = await client.RouteAsync("lost-copy");
        (int holder, int other) = (NodeIndex(replicas[0]), NodeIndex(replicas[1]));
        await using (PeerConnection peer = MemshackCluster.ConnectDataPlane(memshacks.Cluster, holder))
        {
            CacheResult stored = await peer.StoreAsync(Encoding.UTF8.GetBytes(Region(Lenient, shard)), CacheStoreMode.Set, Encoding.UTF8.GetBytes("lost-copy"),
                Encoding.UTF8.GetBytes("v"), 0, 0);
            Assert.Equal(CacheStatus.Ok, stored.Status);
        }
        await memshacks.Cluster.WaitUntilAsync(async () => await memshacks.ReadReplicaAsync(other, Lenient, shard, "lost-copy") == "v",
            TimeSpan.FromSeconds(30), "anti-entropy to copy the key to its other replica");
        Assert.Equal(await memshacks.ReadReplicaCasAsync(holder, Lenient, shard, "lost-copy"), await memshacks.ReadReplicaCasAsync(other, Lenient, shard, "lost-copy"));
        Assert.True((await memshacks.ShardStatusAsync(Lenient, shard)).RepairedKeys >= 1);
        long repairedInStats = 0;
        foreach (int node in new[] { 0, 1, 2 })
            repairedInStats += long.Parse((await MemshackStatsTests.StatsAsync(memshacks.GatewayPort(Lenient, node)))["mnemo_repaired_keys"]);
        Assert.True(repairedInStats >= 1, $"mnemo_repaired_keys summed over the gateways: {repairedInStats}");
    }

    private static async Task<int> WritesUntilFailureAsync(MemshackCluster memshacks, int node, CancellationToken stop)
    {
        try
        {
            return await ReplicaConvergenceClusterTests.MixedWritesAsync(memshacks, Lenient, node, seed: 99, int.MaxValue, stop);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return 0; // Its silo was killed.
        }
    }
}

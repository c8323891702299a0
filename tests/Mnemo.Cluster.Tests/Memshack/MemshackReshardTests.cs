using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using k8s;
using Mnemo.Client;
using Mnemo.DataPlane;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// A Memshack's shard and replica counts changed with the machine's kubectl while memcached clients
/// write and read it through every gateway: the silos move the data live. Keys written before never
/// miss, acknowledged writes survive, every replica of the final topology holds the same items, the
/// keys moved are the ones Ch3 moves, and replicas no longer placed on a node are dropped there.
/// </summary>
public sealed class MemshackReshardTests
{
    private const string Memshack = "default/cache";
    private const int Preloaded = 10_000;

    [Fact]
    public async Task Shards_3_5_2_and_replicas_2_3_1_change_under_load_with_no_miss_and_no_lost_write()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(3);
        (int Shards, int Replicas)[] topologies = [(3, 2), (5, 2), (2, 3), (2, 1)];
        await ApplyAsync(cluster, port, topologies[0]);
        await WaitUntilMovedAsync(cluster, topologies[0]);
        await PreloadAsync(cluster, port);

        var load = new Load(port, gateways: [0, 1, 2]);
        for (int t = 1; t < topologies.Length; t++)
        {
            await ApplyAsync(cluster, port, topologies[t]);
            JsonElement move = await WaitUntilMovedAsync(cluster, topologies[t]);
            long moved = move.GetProperty("keysMoved").GetInt64(), scanned = move.GetProperty("keysScanned").GetInt64();
            double predicted = ShareChangingShard(topologies[t - 1].Shards, topologies[t].Shards);
            Assert.True(Math.Abs(moved / (double)scanned - predicted) <= 0.01,
                $"{topologies[t - 1]} -> {topologies[t]}: {moved} of {scanned} keys moved, Ch3 moves {predicted:P1}");
            await AssertReplicasAsync(cluster, topologies[t]);
        }
        await load.StopAsync();

        Assert.Equal(0, load.FailedReads);
        Assert.True(load.Reads > 0 && load.Possible.Count > 0, "the load ran");
        await load.AssertHeldAsync(port + 1, gateways: 3);

        // Replicas no longer placed on a node are dropped there: 2 shards x 1 replica leave two regions in the cluster.
        await using MnemoClient client = await cluster.ConnectAsync();
        int regions = 0;
        foreach (var node in cluster.Settings)
            regions += (await client.GetNodeUsageAsync(node.NodeName)).Regions.Count(r => r.Name.StartsWith("memshack.default.cache.", StringComparison.Ordinal));
        Assert.Equal(2, regions);
    }

    [Fact]
    public async Task A_move_resumes_after_a_silo_is_killed_in_the_middle_and_loses_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(3);
        await ApplyAsync(cluster, port, (3, 2));
        await WaitUntilMovedAsync(cluster, (3, 2));
        await PreloadAsync(cluster, port);

        // node-2 is killed: the load uses the other two gateways.
        var load = new Load(port, gateways: [0, 1]);
        await ApplyAsync(cluster, port, (5, 2));
        string? phase = null;
        await cluster.WaitUntilAsync(async () => (phase = await MovePhaseAsync(cluster)) is "Copying" or "Switching" or "Cleaning" or "Done",
            TimeSpan.FromSeconds(60), "the move to start copying");
        Assert.Equal("Copying", phase);
        await cluster.KillAsync(2);
        await cluster.RestartAsync(2);
        JsonElement move = await WaitUntilMovedAsync(cluster, (5, 2));
        await load.StopAsync();

        Assert.Equal(0, load.FailedReads);
        Assert.True(move.GetProperty("keysMoved").GetInt64() > 0);
        await AssertReplicasAsync(cluster, (5, 2));
        try
        {
            await load.AssertHeldAsync(port + 2, gateways: 2);
        }
        catch (IOException e)
        {
            // The restarted node's gateway dropped the connection: what its silo logged says why.
            string[] tail = cluster.Log.Split(Environment.NewLine).Where(l => l.Contains("[node-2]", StringComparison.Ordinal)).TakeLast(60).ToArray();
            throw new InvalidOperationException($"node-2's gateway dropped the connection; its last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}", e);
        }
    }

    private static async Task<string?> MovePhaseAsync(TestCluster cluster)
    {
        JsonElement item = await cluster.Kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("mnemo.dev", "v1alpha1", "default",
            "memshacks", "cache");
        return item.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("move", out JsonElement move)
            ? move.GetProperty("phase").GetString()
            : null;
    }

    /// <summary>Share of the preloaded keys whose Ch3 shard differs between the two shard counts.</summary>
    private static double ShareChangingShard(int from, int to)
    {
        Ch3Router before = new(from), after = new(to);
        return Enumerable.Range(0, Preloaded).Count(k => before.ShardOf(Key(k)) != after.ShardOf(Key(k))) / (double)Preloaded;
    }

    private static byte[] Key(int k) => Encoding.UTF8.GetBytes($"pre-{k}");

    /// <summary>Every replica of the keys' shards in <paramref name="topology"/> holds the value last acknowledged (read on the replicas directly).</summary>
    private static async Task AssertReplicasAsync(TestCluster cluster, (int Shards, int Replicas) topology)
    {
        IReadOnlyList<IReadOnlyList<string>> map = ReplicaPlacement.ShardMap(Memshack, topology.Shards, topology.Replicas,
            cluster.Settings.Select(s => s.NodeName).ToArray());
        var router = new Ch3Router(topology.Shards);
        for (int k = 0; k < Preloaded; k += 97)
        {
            int shard = router.ShardOf(Key(k));
            foreach (string node in map[shard])
                Assert.Equal($"v{k}", await MemshackCluster.ReadReplicaAsync(cluster, MemshackCluster.NodeIndex(node), Memshack, shard, $"pre-{k}"));
        }
    }

    private static async Task ApplyAsync(TestCluster cluster, int port, (int Shards, int Replicas) topology)
    {
        string manifest = Path.Combine(Path.GetDirectoryName(cluster.Kubeconfig)!, "cache.yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              namespace: default
              name: cache
            spec:
              num_shards: {topology.Shards}
              num_replicas: {topology.Replicas}
              mcrouter_port: {port}
            """);
        var applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
    }

    /// <summary>Waits until the status records <paramref name="topology"/> as served with no move under way; the last move's record.</summary>
    private static async Task<JsonElement> WaitUntilMovedAsync(TestCluster cluster, (int Shards, int Replicas) topology)
    {
        JsonElement move = default;
        await cluster.WaitUntilAsync(async () =>
        {
            var got = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "memshack", "cache", "-o", "json");
            if (got.ExitCode != 0)
                return false;
            using JsonDocument document = JsonDocument.Parse(got.Stdout);
            if (!document.RootElement.TryGetProperty("status", out JsonElement status)
                || status.GetProperty("phase").GetString() != "Serving"
                || status.GetProperty("topology").GetProperty("shards").GetInt32() != topology.Shards
                || status.GetProperty("topology").GetProperty("replicas").GetInt32() != topology.Replicas)
                return false;
            move = status.TryGetProperty("move", out JsonElement recorded) ? recorded.Clone() : default;
            return true;
        }, TimeSpan.FromSeconds(120), $"the Memshack to be served with {topology.Shards} shards x {topology.Replicas} replicas");
        return move;
    }

    /// <summary>Once every gateway answers, writes the keys the load reads.</summary>
    private static async Task PreloadAsync(TestCluster cluster, int port)
    {
        await cluster.WaitUntilAsync(async () =>
        {
            for (int node = 0; node < 3; node++)
            {
                try
                {
                    await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + node);
                    await client.CommandAsync("version");
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(60), "every gateway to answer");
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async g =>
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port + g);
            for (int k = g; k < Preloaded; k += 3)
                Assert.Equal("STORED", await client.SetAsync($"pre-{k}", $"v{k}"));
        }));
    }

    /// <summary>
    /// Writers (sets, deletes, increments; one key space per gateway) and a reader of the preloaded keys, on every gateway, until stopped.
    /// A write answered with an error may still have been applied (write quorum all: some replicas took it), so a key may end with its
    /// last acknowledged value or one of the failed writes after it; an acknowledged write is never lost.
    /// </summary>
    private sealed class Load
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _running;
        private long _reads, _failedReads;

        public Load(int port, int[] gateways)
        {
            _running = Task.WhenAll(gateways.Select(g => WriteAsync(port + g, g)).Concat(gateways.Select(g => ReadAsync(port + g, g))));
        }

        /// <summary>Per key written, the values it may hold now (null: absent).</summary>
        public ConcurrentDictionary<string, HashSet<string?>> Possible { get; } = new();

        private long[] Counted { get; } = new long[3];

        private long[] FailedIncrements { get; } = new long[3];

        public long Reads => Interlocked.Read(ref _reads);

        public long FailedReads => Interlocked.Read(ref _failedReads);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _running;
        }

        private async Task WriteAsync(int port, int g)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
            Assert.Equal("STORED", await client.SetAsync($"ctr-{g}", "0"));
            var random = new Random(11 + g);
            for (int n = 0; !_stop.IsCancellationRequested; n++)
            {
                string key = $"live-{g}-{random.Next(300)}";
                switch (random.Next(4))
                {
                    case 0:
                        Record(key, null, await client.CommandAsync($"delete {key}") is "DELETED" or "NOT_FOUND");
                        break;
                    case 1:
                        if (long.TryParse(await client.CommandAsync($"incr ctr-{g} 1"), out _))
                            Counted[g]++;
                        else
                            FailedIncrements[g]++;
                        break;
                    default:
                        Record(key, $"w{n}", await client.SetAsync(key, $"w{n}") == "STORED");
                        break;
                }
            }
        }

        /// <summary>Checks every key written and every counter through the gateway on <paramref name="port"/>.</summary>
        public async Task AssertHeldAsync(int port, int gateways)
        {
            await using MemcachedTextClient check = await MemcachedTextClient.ConnectAsync(port);
            foreach ((string key, HashSet<string?> possible) in Possible)
            {
                string? held = await check.GetAsync(key);
                Assert.True(possible.Contains(held), $"{key} holds {held ?? "nothing"}; possible: {string.Join(", ", possible.Select(p => p ?? "nothing"))}");
            }
            for (int g = 0; g < gateways; g++)
                Assert.InRange(long.Parse((await check.GetAsync($"ctr-{g}"))!), Counted[g], Counted[g] + FailedIncrements[g]);
        }

        private void Record(string key, string? value, bool acknowledged)
        {
            // One writer per key: the set is never written concurrently.
            HashSet<string?> possible = Possible.GetOrAdd(key, _ => [null]);
            if (acknowledged)
                possible.Clear();
            possible.Add(value);
        }

        private async Task ReadAsync(int port, int g)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
            for (int n = g; !_stop.IsCancellationRequested; n += 3)
            {
                int k = (int)((long)n * 7919 % Preloaded);
                Interlocked.Increment(ref _reads);
                if (await client.GetAsync($"pre-{k}") != $"v{k}")
                    Interlocked.Increment(ref _failedReads);
            }
        }
    }
}

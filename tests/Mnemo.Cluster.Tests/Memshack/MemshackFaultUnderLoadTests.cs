using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using static Mnemo.Cluster.Tests.MemshackCluster;

namespace Mnemo.Cluster.Tests;

/// <summary>kill -9 of a silo (node-0, the first to start, included) while clients keep writing and
/// reading the write-quorum-one Memshack through the surviving gateways, then its restart: no read
/// fails or loses a hit, no acknowledged write is lost, and once resynced both replicas of every
/// shard hold the same items.</summary>
public sealed class MemshackFaultUnderLoadTests(ITestOutputHelper output)
{
    private const int Writers = 2;
    private const int KeysPerWriter = 50;
    private static readonly string[] Preloaded = Enumerable.Range(0, 100).Select(i => $"pre:{i}").ToArray();

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Killing_and_restarting_a_silo_under_load_loses_no_hit_and_no_acknowledged_write(int victim)
    {
        int[] survivors = Enumerable.Range(0, 3).Where(n => n != victim).ToArray();
        await using MemshackCluster memshacks = await StartAsync();
        await using (MemcachedTextClient node0 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, survivors[0])))
        {
            foreach (string key in Preloaded)
                Assert.Equal("STORED", await node0.SetAsync(key, "value of " + key));
        }

        // The last value each key was acknowledged with; every key is written by one writer, in order.
        var acknowledged = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<string>();
        int writes = 0, reads = 0;
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int writer)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, survivors[0]));
            for (int sequence = 0; !stop.IsCancellationRequested; sequence++)
            {
                string key = $"w{writer}:{sequence % KeysPerWriter}", value = $"w{writer} seq {sequence}";
                string reply = await client.SetAsync(key, value);
                if (reply == "STORED")
                    acknowledged[key] = value;
                else
                    failures.Enqueue($"set {key}: {reply}");
                Interlocked.Increment(ref writes);
            }
        }

        async Task ReadAsync(int reader, int node)
        {
            await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, node));
            for (int i = reader; !stop.IsCancellationRequested; i++)
            {
                string hitKey = Preloaded[i % Preloaded.Length];
                string? hit = await client.GetAsync(hitKey);
                if (hit != "value of " + hitKey)
                    failures.Enqueue($"get {hitKey} through node-{node}: {hit ?? "miss"}");
                string missKey = $"never:{i}";
                string? miss = await client.GetAsync(missKey);
                if (miss is not null)
                    failures.Enqueue($"get {missKey} through node-{node}: hit '{miss}'");
                Interlocked.Add(ref reads, 2);
            }
        }

        Task[] load =
        [
            .. Enumerable.Range(0, Writers).Select(WriteAsync),
            ReadAsync(0, survivors[0]),
            ReadAsync(1, survivors[1]),
        ];
        async Task RunFor(TimeSpan span, string phase)
        {
            int writesBefore = writes, readsBefore = reads;
            Task first = await Task.WhenAny(Task.WhenAny(load), Task.Delay(span));
            if (load.Contains(first))
                await first; // A client failed outright (an error reply or a closed connection): surface it.
            output.WriteLine($"{phase}: {writes - writesBefore} writes, {reads - readsBefore} reads");
        }

        await RunFor(TimeSpan.FromSeconds(2), "before the kill");
        await memshacks.Cluster.KillAsync(victim);
        await RunFor(TimeSpan.FromSeconds(4), $"node-{victim} dead");
        var watch = Stopwatch.StartNew();
        Task restart = memshacks.Cluster.RestartAsync(victim);
        while (!restart.IsCompleted)
            await RunFor(TimeSpan.FromSeconds(1), $"node-{victim} restarting");
        await restart;
        await RunFor(TimeSpan.FromSeconds(3), $"node-{victim} back");
        stop.Cancel();
        await Task.WhenAll(load);
        Assert.True(failures.IsEmpty, $"{failures.Count} failed operations:\n" + string.Join('\n', failures.Take(20)));
        Assert.True(writes > 100 && reads > 100, $"too little load: {writes} writes, {reads} reads");
        Assert.Equal(Writers * KeysPerWriter, acknowledged.Count);

        await memshacks.Cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(30));
        await memshacks.WaitUntilServingAsync([0, 1, 2]);
        output.WriteLine($"node-{victim} restarted to every replica in sync: {watch.ElapsedMilliseconds} ms; {writes} writes, {reads} reads in all");

        var expected = new Dictionary<string, string>(acknowledged);
        foreach (string key in Preloaded)
            expected[key] = "value of " + key;
        await using MemcachedTextClient node2 = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(Lenient, victim));
        foreach ((string key, string value) in expected)
        {
            (int shard, string[] replicas) = await node2.RouteAsync(key);
            foreach (int node in replicas.Select(NodeIndex))
                Assert.Equal((key, node, value), (key, node, await memshacks.ReadReplicaAsync(node, Lenient, shard, key)));
            Assert.Equal(value, await node2.GetAsync(key));
        }
    }
}

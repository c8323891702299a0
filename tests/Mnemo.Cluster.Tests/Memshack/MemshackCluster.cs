using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using k8s;
using Mnemo.Client;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Tests.Shared;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Three silo processes serving two Memshacks of 3 shards x 2 replicas applied to the Kubernetes API:
/// <c>default/strict</c> (write quorum all) and <c>default/lenient</c> (write quorum one), plus an
/// invalid one that must be refused without harm. Node i serves each Memshack's gateway on mcrouter_port + i.
/// </summary>
public sealed class MemshackCluster : IAsyncDisposable
{
    public const string Strict = "default/strict";
    public const string Lenient = "default/lenient";

    private readonly Dictionary<string, int> _basePorts;

    private MemshackCluster(TestCluster cluster, Dictionary<string, int> basePorts)
    {
        Cluster = cluster;
        _basePorts = basePorts;
    }

    public TestCluster Cluster { get; }

    /// <param name="antiEntropyInterval">The silos' pause between anti-entropy passes (default: theirs).</param>
    public static async Task<MemshackCluster> StartAsync(TimeSpan? antiEntropyInterval = null)
    {
        int basePort = FreePortRange(6);
        var basePorts = new Dictionary<string, int> { [Strict] = basePort, [Lenient] = basePort + 3 };
        TestCluster cluster = await TestCluster.StartAsync(3, (i, settings) => settings with
        {
            MemshackPortOffset = i,
            AntiEntropyInterval = antiEntropyInterval ?? settings.AntiEntropyInterval,
        });
        var memshacks = new MemshackCluster(cluster, basePorts);
        try
        {
            await memshacks.ApplyAsync("strict", basePorts[Strict], "all");
            await memshacks.ApplyAsync("lenient", basePorts[Lenient], "one");
            await memshacks.ApplyAsync("broken", FreePortRange(3), "all", replicas: 4);
            await memshacks.WaitUntilServingAsync([0, 1, 2]);
            return memshacks;
        }
        catch
        {
            await memshacks.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates Memshack <c>default/name</c> in the API, as <c>kubectl apply</c> would.</summary>
    public Task ApplyAsync(string name, int port, string quorum, int shards = 3, int replicas = 2) =>
        ApplyAsync(Cluster, name, port, quorum, shards, replicas);

    /// <summary>Creates Memshack <c>default/name</c> in <paramref name="cluster"/>'s API, as <c>kubectl apply</c> would.</summary>
    public static async Task ApplyAsync(TestCluster cluster, string name, int port, string quorum, int shards = 3, int replicas = 2)
    {
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "mnemo.dev/v1alpha1",
            ["kind"] = "Memshack",
            ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new Dictionary<string, object>
            {
                ["num_shards"] = shards, ["num_replicas"] = replicas, ["mcrouter_port"] = port, ["writeQuorum"] = quorum,
            },
        };
        await cluster.Kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "mnemo.dev", "v1alpha1", "default", "memshacks");
    }

    public int GatewayPort(string memshack, int node) => _basePorts[memshack] + node;

    public static string Region(string memshack, int shard) => $"memshack.{memshack.Replace('/', '.')}.{shard}";

    /// <summary>Waits until every gateway of <paramref name="nodes"/> answers and every replica, as the status grains report, is in sync.</summary>
    public async Task WaitUntilServingAsync(int[] nodes)
    {
        await Cluster.WaitUntilAsync(async () =>
        {
            foreach (string memshack in _basePorts.Keys)
            {
                foreach (int node in nodes)
                {
                    await using var client = await MemcachedTextClient.ConnectAsync(GatewayPort(memshack, node));
                    if (!(await client.CommandAsync("version")).StartsWith("VERSION ", StringComparison.Ordinal))
                        return false;
                }
            }
            return await AllReplicasInSyncAsync();
        }, TimeSpan.FromSeconds(90), "the Memshack gateways to serve with every replica in sync");
    }

    public async Task<bool> AllReplicasInSyncAsync()
    {
        await using MnemoClient client = await Cluster.ConnectAsync();
        foreach (string memshack in _basePorts.Keys)
        {
            for (int shard = 0; shard < 3; shard++)
            {
                MemshackShardStatus status = await client.GetShardStatusAsync(memshack, shard);
                if (!status.Served || status.UnansweredNodes.Length > 0 || status.Replicas.Any(r => r.State != ReplicaStateNames.InSync || r.PendingHints > 0))
                    return false;
            }
        }
        return true;
    }

    public async Task<MemshackShardStatus> ShardStatusAsync(string memshack, int shard)
    {
        await using MnemoClient client = await Cluster.ConnectAsync();
        return await client.GetShardStatusAsync(memshack, shard);
    }

    /// <summary>The value of <paramref name="key"/> in node <paramref name="node"/>'s replica of the shard, read over its data plane; null when absent.</summary>
    public Task<string?> ReadReplicaAsync(int node, string memshack, int shard, string key) => ReadReplicaAsync(Cluster, node, memshack, shard, key);

    /// <inheritdoc cref="ReadReplicaAsync(int, string, int, string)"/>
    public static async Task<string?> ReadReplicaAsync(TestCluster cluster, int node, string memshack, int shard, string key)
    {
        await using PeerConnection peer = ConnectDataPlane(cluster, node);
        var value = new ArrayBufferWriter<byte>();
        CacheResult result = await peer.GetAsync(Encoding.UTF8.GetBytes(Region(memshack, shard)), Encoding.UTF8.GetBytes(key), value);
        return result.Status switch
        {
            CacheStatus.Ok => Encoding.UTF8.GetString(value.WrittenSpan),
            CacheStatus.NotFound => null,
            _ => throw new InvalidOperationException($"node-{node} answered {result.Status} for {key}"),
        };
    }

    /// <summary>The CAS of <paramref name="key"/> in node <paramref name="node"/>'s replica of the shard (0 when absent).</summary>
    public async Task<ulong> ReadReplicaCasAsync(int node, string memshack, int shard, string key)
    {
        await using PeerConnection peer = ConnectDataPlane(Cluster, node);
        CacheResult result = await peer.GetAsync(Encoding.UTF8.GetBytes(Region(memshack, shard)), Encoding.UTF8.GetBytes(key), new ArrayBufferWriter<byte>());
        return result.Status switch
        {
            CacheStatus.Ok => result.Info.Cas,
            CacheStatus.NotFound => 0,
            _ => throw new InvalidOperationException($"node-{node} answered {result.Status} for {key}"),
        };
    }

    /// <summary>
    /// A data-plane connection to node <paramref name="node"/>, presenting that node's own identity and
    /// certificate: the silo admits only members of its cluster, and the test runs on their address.
    /// </summary>
    public static PeerConnection ConnectDataPlane(TestCluster cluster, int node) =>
        new(new IPEndPoint(IPAddress.Loopback, cluster.Settings[node].DataPort),
            new PeerConnectionOptions { Identity = new PeerIdentity(cluster.ClusterId, cluster.Settings[node].NodeName), Tls = cluster.NodeTls(node) });

    /// <summary>
    /// Every item of node <paramref name="node"/>'s replica of the shard, scanned over its data plane:
    /// key → value, flags, CAS and stale mark.
    /// </summary>
    public Task<SortedDictionary<string, string>> ReadReplicaItemsAsync(int node, string memshack, int shard) =>
        ReadReplicaItemsAsync(Cluster, node, memshack, shard);

    /// <inheritdoc cref="ReadReplicaItemsAsync(int, string, int)"/>
    public static async Task<SortedDictionary<string, string>> ReadReplicaItemsAsync(TestCluster cluster, int node, string memshack, int shard)
    {
        await using PeerConnection peer = ConnectDataPlane(cluster, node);
        byte[] region = Encoding.UTF8.GetBytes(Region(memshack, shard));
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        ulong scanId = 0;
        while (true)
        {
            var chunk = new ArrayBufferWriter<byte>();
            (CacheStatus status, ulong next, bool done) = await peer.ScanChunkAsync(region, scanId, 256 * 1024, chunk);
            if (status != CacheStatus.Ok)
                throw new InvalidOperationException($"node-{node} answered {status} to a scan of shard {shard}");
            int offset = 0;
            while (ScanItemFormat.TryRead(chunk.WrittenMemory, ref offset, out ScannedItem item))
            {
                items[Encoding.UTF8.GetString(item.Key.Span)] =
                    $"{Encoding.UTF8.GetString(item.Value.Span)} flags={item.Flags} cas={item.Cas} stale={item.Stale}";
            }
            if (done)
                return items;
            scanId = next;
        }
    }

    /// <summary>
    /// Reads both replicas of every shard of <paramref name="memshack"/> straight from their nodes and
    /// returns the keys whose replicas differ, described per node; empty when they are identical.
    /// </summary>
    public async Task<List<string>> DifferingReplicaKeysAsync(string memshack, int shards = 3)
    {
        var differing = new List<string>();
        for (int shard = 0; shard < shards; shard++)
        {
            MemshackShardStatus status = await ShardStatusAsync(memshack, shard);
            int[] nodes = status.Replicas.Select(r => int.Parse(r.Node["node-".Length..])).ToArray();
            SortedDictionary<string, string>[] replicas = await Task.WhenAll(nodes.Select(n => ReadReplicaItemsAsync(n, memshack, shard)));
            foreach (string key in replicas.SelectMany(r => r.Keys).Distinct())
            {
                string?[] versions = replicas.Select(r => r.GetValueOrDefault(key)).ToArray();
                if (versions.Distinct().Count() > 1)
                    differing.Add($"shard {shard} {key}: " + string.Join(" | ", nodes.Select((n, i) => $"node-{n}: {versions[i] ?? "none"}")));
            }
        }
        return differing;
    }

    public static int NodeIndex(string replicaName) => int.Parse(replicaName.Split('/')[0]["node-".Length..]);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();

    /// <summary>A base port with the next <paramref name="count"/> - 1 ports free too (gateways use base + node index).</summary>
    public static int FreePortRange(int count) => LoopbackPorts.FreeRange(count);
}

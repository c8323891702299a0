using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mnemo.Client;
using Mnemo.Cluster.Tests.Infrastructure;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces.Memshack;
using Mnemo.Grains.Memshack;
using Mnemo.Silo.DataPlane;
using Xunit;

namespace Mnemo.Cluster.Tests.Memshack;

/// <summary>
/// Three silo processes serving two Memshacks of 3 shards x 2 replicas from a manifest folder:
/// <c>default/strict</c> (write quorum all) and <c>default/lenient</c> (write quorum one), plus an
/// invalid manifest that must be rejected. Node i serves each Memshack's gateway on mcrouter_port + i.
/// </summary>
public sealed class MemshackCluster : IAsyncDisposable
{
    public const string Strict = "default/strict";
    public const string Lenient = "default/lenient";

    private readonly string _manifests;
    private readonly Dictionary<string, int> _basePorts;
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();

    private MemshackCluster(TestCluster cluster, string manifests, Dictionary<string, int> basePorts)
    {
        Cluster = cluster;
        _manifests = manifests;
        _basePorts = basePorts;
    }

    public TestCluster Cluster { get; }

    /// <summary>Time since the silos were started.</summary>
    public TimeSpan Uptime => _sinceStart.Elapsed;

    public static async Task<MemshackCluster> StartAsync()
    {
        string manifests = Path.Combine(Path.GetTempPath(), "mnemo-memshack-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(manifests);
        int basePort = FreePortRange(6);
        var basePorts = new Dictionary<string, int> { [Strict] = basePort, [Lenient] = basePort + 3 };
        await File.WriteAllTextAsync(Path.Combine(manifests, "strict.yaml"), Manifest("strict", basePorts[Strict], "all"));
        await File.WriteAllTextAsync(Path.Combine(manifests, "lenient.yaml"), Manifest("lenient", basePorts[Lenient], "one"));
        await File.WriteAllTextAsync(Path.Combine(manifests, "too-many-replicas.yaml"),
            Manifest("broken", FreePortRange(3), "all").Replace("num_replicas: 2", "num_replicas: 4"));
        int[] dataPorts = TestCluster.FreePorts(3);
        TestCluster cluster;
        try
        {
            cluster = await TestCluster.StartAsync(3, (i, options) => options with
            {
                DataPort = dataPorts[i],
                MemshackManifests = manifests,
                MemshackPortOffset = i,
            });
        }
        catch
        {
            Directory.Delete(manifests, recursive: true);
            throw;
        }
        var memshacks = new MemshackCluster(cluster, manifests, basePorts);
        try
        {
            await memshacks.WaitUntilServingAsync([0, 1, 2]);
            return memshacks;
        }
        catch
        {
            await memshacks.DisposeAsync();
            throw;
        }
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
        using ClusterClient client = await Cluster.ConnectAsync(deadline: TimeSpan.FromSeconds(10));
        foreach (string memshack in _basePorts.Keys)
        {
            for (int shard = 0; shard < 3; shard++)
            {
                MemshackShardStatus status = await client.GetGrain<IMemshackShardGrain>($"{memshack}/{shard}").GetStatusAsync();
                if (!status.Served || status.UnansweredNodes.Count > 0 || status.Replicas.Any(r => r.State != ReplicaStateNames.InSync || r.PendingHints > 0))
                    return false;
            }
        }
        return true;
    }

    public async Task<MemshackShardStatus> ShardStatusAsync(string memshack, int shard)
    {
        using ClusterClient client = await Cluster.ConnectAsync(deadline: TimeSpan.FromSeconds(10));
        return await client.GetGrain<IMemshackShardGrain>($"{memshack}/{shard}").GetStatusAsync();
    }

    /// <summary>The value of <paramref name="key"/> in node <paramref name="node"/>'s replica of the shard, read over its data plane; null when absent.</summary>
    public async Task<string?> ReadReplicaAsync(int node, string memshack, int shard, string key)
    {
        await using var peer = new PeerConnection(new IPEndPoint(IPAddress.Loopback, Cluster.Options[node].DataPort));
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
        await using var peer = new PeerConnection(new IPEndPoint(IPAddress.Loopback, Cluster.Options[node].DataPort));
        CacheResult result = await peer.GetAsync(Encoding.UTF8.GetBytes(Region(memshack, shard)), Encoding.UTF8.GetBytes(key), new ArrayBufferWriter<byte>());
        return result.Status switch
        {
            CacheStatus.Ok => result.Info.Cas,
            CacheStatus.NotFound => 0,
            _ => throw new InvalidOperationException($"node-{node} answered {result.Status} for {key}"),
        };
    }

    public static int NodeIndex(string replicaName) => int.Parse(replicaName.Split('/')[0]["node-".Length..]);

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(_manifests, recursive: true);
    }

    private static string Manifest(string name, int port, string quorum) => $"""
        apiVersion: mnemo.dev/v1alpha1
        kind: Memshack
        metadata:
          namespace: default
          name: {name}
        spec:
          num_shards: 3
          num_replicas: 2
          mcrouter_port: {port}
          writeQuorum: {quorum}
        """;

    /// <summary>A base port with the next <paramref name="count"/> - 1 ports free too (gateways use base + node index).</summary>
    private static int FreePortRange(int count)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int basePort = Random.Shared.Next(20_000, 30_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, basePort + i);
                    listener.Start();
                    listeners.Add(listener);
                }
                return basePort;
            }
            catch (SocketException)
            {
                // Taken; try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }
        throw new InvalidOperationException("no free port range found");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.Kubernetes;
using Mnemo.KubeApiServer;
using Mnemo.Silo;
using Mnemo.Tests.Shared;

// Cluster snapshots of a Memshack of 3 shards x 2 replicas (write quorum all) served by three silo
// processes, at each item count asked for: how long writes are held (the fence), how long a create
// takes from the resource to the committed manifest, and the same for a restore. A client writing
// through a gateway all along reports its slowest set during the create. Baseline in the same run:
// the median set round trip on the same gateway, which the fence is compared to. Per item count it also
// exports a snapshot with the mnemo CLI and imports the file into a Memshack of 2 shards (MB/s beside a
// plain write of as many bytes), and has a redis-server holding the same items run BGSAVE: the reference.
// Prints `key value unit` lines. Run from the repository root (it reads k8s/crds).
int[] counts = [10_000, 100_000, 1_000_000];
int valueLength = 100;
// How long the silos may take to become ready and to store through the gateway: large pools take
// longer to create on a loaded machine.
var startTimeout = TimeSpan.FromSeconds(90);
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--items" when value is not null:
            counts = value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            i++;
            break;
        case "--value-size" when int.TryParse(value, CultureInfo.InvariantCulture, out valueLength) && valueLength is > 0 and <= 64 * 1024:
            i++;
            break;
        case "--start-timeout" when int.TryParse(value, CultureInfo.InvariantCulture, out int seconds) && seconds > 0:
            startTimeout = TimeSpan.FromSeconds(seconds);
            i++;
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: snapshot-bench [--items N,N,... (10000,100000,1000000)] [--value-size BYTES (100)] [--start-timeout SECONDS (90)]");
            return 0;
        default:
            Console.Error.WriteLine($"snapshot-bench: bad argument '{args[i]}'; see --help");
            return 2;
    }
}

const int Nodes = 3;
const int Rounds = 3;
string work = Path.Combine(Path.GetTempPath(), $"snapshot-bench-{Environment.ProcessId}");
string manifests = Path.Combine(work, "manifests");
Directory.CreateDirectory(manifests);
int[] ports = FreePorts(4 * Nodes);
int gatewayPort = LoopbackPorts.FreeRange(2 * Nodes);
int importGatewayPort = gatewayPort + Nodes;
string clusterId = $"snapbench{Environment.ProcessId}";
await File.WriteAllTextAsync(Path.Combine(manifests, "bench.yaml"), $"""
    apiVersion: mnemo.dev/v1alpha1
    kind: Memshack
    metadata:
      namespace: default
      name: bench
    spec:
      num_shards: 3
      num_replicas: 2
      mcrouter_port: {gatewayPort}
      writeQuorum: all
    """);
await File.WriteAllTextAsync(Path.Combine(manifests, "bench-import.yaml"), $"""
    apiVersion: mnemo.dev/v1alpha1
    kind: Memshack
    metadata:
      namespace: default
      name: bench-import
    spec:
      num_shards: 2
      num_replicas: 2
      mcrouter_port: {importGatewayPort}
      writeQuorum: all
    """);
var siloLog = new ConcurrentQueue<string>();
var silos = new List<SiloProcess>();
await using EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [Path.Combine("k8s", "crds")] },
    NullLoggerFactory.Instance);
string kubeconfig = api.WriteKubeconfig(Path.Combine(work, "kubeconfig"));
await SampleResources.ApplyMissingAsync(api.BaseAddress, manifests);
using KubernetesConnection kubernetes = KubernetesConnection.Create(kubeconfig, "default");
try
{
    // Room for the items, the versions the snapshots keep, and the imported copies.
    ulong capacity = (ulong)Math.Max(256L << 20, (long)counts.Max() * (valueLength + 120) * 6);
    for (int i = 0; i < Nodes; i++)
    {
        var settings = new SiloSettings
        {
            NodeName = $"node-{i}", SiloPort = ports[i], HealthPort = ports[Nodes + i], DataPort = ports[2 * Nodes + i], GatewayPort = ports[3 * Nodes + i],
            ClusterId = clusterId, Kubeconfig = kubeconfig, Nodes = Enumerable.Range(0, Nodes).Select(j => $"node-{j}").ToArray(),
            StateDir = Path.Combine(work, $"node-{i}"), PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(work, $"node-{i}"), PoolCapacity = capacity,
            MemshackPortOffset = i,
        };
        silos.Add(SiloProcess.Start(settings, line =>
        {
            siloLog.Enqueue(line);
            while (siloLog.Count > 200 && siloLog.TryDequeue(out _)) { }
        }));
    }
    await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(startTimeout)));
    await using Connection writer = await ConnectWhenStoringAsync(gatewayPort, startTimeout);
    await using RedisReference redis = await RedisReference.StartAsync(FreePorts(1)[0], Path.Combine(work, "redis"));
    var transfer = new TransferBench(kubeconfig, clusterId, work);

    var setTimes = new List<double>();
    for (int i = 0; i < 1000; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await writer.SetAsync($"baseline-{i}", "x");
        setTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    double setMedian = setTimes.Order().ElementAt(setTimes.Count / 2);
    Console.WriteLine(FormattableString.Invariant($"set_round_trip_median_ms {setMedian:F3} ms (baseline)"));

    string value = new('v', valueLength);
    int loaded = 0, redisLoaded = 0;
    // The first snapshot and restore of a cluster also pay for activations and JIT on every silo: reported apart.
    Figures cold = await RoundAsync("cold");
    Console.WriteLine(FormattableString.Invariant($"cold_create_fence_ms {cold.Fence:F2} ms (first snapshot of the cluster)"));
    Console.WriteLine(FormattableString.Invariant($"cold_restore_fence_ms {cold.RestoreFence:F2} ms (first restore of the cluster)"));
    foreach (int count in counts)
    {
        loaded = await LoadAsync(gatewayPort, loaded, count, value);
        var rounds = new List<Figures>();
        for (int round = 0; round < Rounds; round++)
            rounds.Add(await RoundAsync($"bench-{count}-{round}"));
        double Median(Func<Figures, double> figure) => rounds.Select(figure).Order().ElementAt(rounds.Count / 2);
        Console.WriteLine($"items {rounds[0].Items} count");
        Console.WriteLine(FormattableString.Invariant($"create_fence_ms_{count} {Median(f => f.Fence):F2} ms (median of {Rounds}; max {rounds.Max(f => f.Fence):F2})"));
        Console.WriteLine(FormattableString.Invariant($"create_grain_ms_{count} {Median(f => f.Grain):F1} ms (median: status written, checked, fenced, manifest committed)"));
        Console.WriteLine(FormattableString.Invariant($"create_seen_by_client_ms_{count} {Median(f => f.Client):F1} ms (median: resource created to Committed read back, 20 ms polls)"));
        Console.WriteLine(FormattableString.Invariant($"slowest_set_during_create_ms_{count} {rounds.Max(f => f.SlowestSet):F2} ms (max over the rounds)"));
        Console.WriteLine(FormattableString.Invariant($"fence_vs_set_round_trip_{count} {Median(f => f.Fence) / setMedian:F1} ratio"));
        Console.WriteLine(FormattableString.Invariant($"restore_fence_ms_{count} {Median(f => f.RestoreFence):F2} ms (median; about 1000 keys written since the snapshot)"));
        Console.WriteLine(FormattableString.Invariant($"restore_seen_by_client_ms_{count} {Median(f => f.RestoreClient):F1} ms (median: resource created to Restored read back, 20 ms polls)"));

        await redis.LoadAsync(redisLoaded, count, value);
        redisLoaded = count;
        (double bgsaveMs, long rdbBytes) = await redis.BgsaveAsync();
        Console.WriteLine(FormattableString.Invariant($"redis_bgsave_ms_{count} {bgsaveMs:F1} ms (reference: BGSAVE to the RDB written, {rdbBytes} bytes, {rdbBytes / 1e3 / bgsaveMs:F1} MB/s)"));
        Console.WriteLine(FormattableString.Invariant($"create_seen_by_client_vs_bgsave_{count} {Median(f => f.Client) / bgsaveMs:F3} ratio"));
        TransferFigures moved = await transfer.RunAsync($"transfer-{count}", "bench", "bench-import");
        Console.WriteLine(FormattableString.Invariant($"export_mb_per_sec_{count} {moved.ExportMegabytesPerSecond:F1} MB/s ({moved.Items} items, {moved.Bytes} bytes in {moved.ExportSeconds:F2} s, mnemo clustersnap export)"));
        Console.WriteLine(FormattableString.Invariant($"import_mb_per_sec_{count} {moved.ImportMegabytesPerSecond:F1} MB/s ({moved.Written} items written into 2 shards in {moved.ImportSeconds:F2} s, mnemo clustersnap import)"));
        Console.WriteLine(FormattableString.Invariant($"plain_write_mb_per_sec_{count} {moved.PlainWriteMegabytesPerSecond:F1} MB/s (baseline: the same bytes to a new file, fsync)"));
        Console.WriteLine(FormattableString.Invariant($"export_vs_plain_write_{count} {moved.ExportMegabytesPerSecond / moved.PlainWriteMegabytesPerSecond:F3} ratio"));
        Console.WriteLine(FormattableString.Invariant($"export_vs_bgsave_{count} {moved.ExportMegabytesPerSecond / (rdbBytes / 1e3 / bgsaveMs):F3} ratio (MB/s of each)"));
    }
    return 0;

    // One snapshot taken while a client writes through another gateway, restored, then deleted.
    async Task<Figures> RoundAsync(string name)
    {
        using var stop = new CancellationTokenSource();
        double slowest = 0;
        Task writing = Task.Run(async () =>
        {
            await using var client = await Connection.OpenAsync(gatewayPort + 1);
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await client.SetAsync($"during-{i % 1000}", "w");
                slowest = Math.Max(slowest, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        });
        await Task.Delay(500);
        var created = Stopwatch.StartNew();
        JsonElement status = await RunAsync(kubernetes, "clustersnapshots", name, new { target = new { memshack = "bench" } }, ["Committed", "Failed"]);
        created.Stop();
        await Task.Delay(200);
        stop.Cancel();
        await writing;
        if (status.GetProperty("phase").GetString() != "Committed")
            throw new InvalidOperationException($"snapshot {name} failed: {status}");
        var restoring = Stopwatch.StartNew();
        JsonElement restored = await RunAsync(kubernetes, "clustersnapshotrestores", $"{name}-restore", new { snapshot = name }, ["Restored", "Failed"]);
        restoring.Stop();
        if (restored.GetProperty("phase").GetString() != "Restored")
            throw new InvalidOperationException($"restore of {name} failed: {restored}");
        await kubernetes.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("mnemo.dev", "v1alpha1", "default", "clustersnapshots", name);
        return new Figures(status.GetProperty("items").GetInt64(), status.GetProperty("fenceMilliseconds").GetDouble(),
            status.GetProperty("durationMilliseconds").GetDouble(), created.Elapsed.TotalMilliseconds, slowest, restored.GetProperty("fenceMilliseconds").GetDouble(), restoring.Elapsed.TotalMilliseconds);
    }
}
catch
{
    Console.Error.WriteLine("last silo output:");
    foreach (string line in siloLog)
        Console.Error.WriteLine(line);
    throw;
}
finally
{
    await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
    foreach (SiloProcess silo in silos)
    {
        silo.Dispose();
        File.Delete(silo.Settings.PoolPath);
    }
    Directory.Delete(work, recursive: true);
}

// Creates the resource and polls its status until its phase is one of `done`.
static async Task<JsonElement> RunAsync(KubernetesConnection kubernetes, string plural, string name, object spec, string[] done)
{
    string kind = plural == "clustersnapshots" ? "ClusterSnapshot" : "ClusterSnapshotRestore";
    var body = new Dictionary<string, object>
    {
        ["apiVersion"] = "mnemo.dev/v1alpha1", ["kind"] = kind, ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = spec,
    };
    await kubernetes.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "mnemo.dev", "v1alpha1", "default", plural);
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromMinutes(5))
    {
        JsonElement item = await kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("mnemo.dev", "v1alpha1", "default", plural, name);
        if (item.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("phase", out JsonElement phase) && done.Contains(phase.GetString()))
            return status.Clone();
        await Task.Delay(20);
    }
    throw new TimeoutException($"{kind} {name} did not finish");
}

// Loads items [from, to) with noreply sets over 8 connections, each ended with a round trip.
static async Task<int> LoadAsync(int port, int from, int to, string value)
{
    await Parallel.ForAsync(0, 8, async (c, _) =>
    {
        await using var connection = await Connection.OpenAsync(port);
        var batch = new StringBuilder();
        for (int k = from + c; k < to; k += 8)
        {
            batch.Append(CultureInfo.InvariantCulture, $"set key-{k:D8} 0 0 {value.Length} noreply\r\n{value}\r\n");
            if (batch.Length > 32 * 1024)
            {
                await connection.SendAsync(batch.ToString());
                batch.Clear();
            }
        }
        await connection.SendAsync(batch.ToString());
        await connection.SetAsync($"load-done-{c}", "x");
    });
    return to;
}

// Polls until sets of keys spread over every shard are all STORED (with quorum all: every replica answers); the connection that did it.
static async Task<Connection> ConnectWhenStoringAsync(int port, TimeSpan timeout)
{
    var watch = Stopwatch.StartNew();
    while (true)
    {
        Connection? connection = null;
        try
        {
            connection = await Connection.OpenAsync(port);
            for (int i = 0; i < 30; i++)
                await connection.SetAsync($"probe-{i}", "x");
            return connection;
        }
        catch (Exception e) when (e is InvalidOperationException or SocketException or IOException && watch.Elapsed < timeout)
        {
            if (connection is not null)
                await connection.DisposeAsync();
            await Task.Delay(200);
        }
    }
}

static int[] FreePorts(int count)
{
    var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
    listeners.ForEach(l => l.Start());
    int[] result = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
    listeners.ForEach(l => l.Stop());
    return result;
}

internal sealed record Figures(long Items, double Fence, double Grain, double Client, double SlowestSet, double RestoreFence, double RestoreClient);

/// <summary>One memcached text connection: sets with a reply, or raw bytes.</summary>
internal sealed class Connection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private Connection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII);
    }

    public static async Task<Connection> OpenAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new Connection(tcp);
    }

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

    public async Task SetAsync(string key, string value)
    {
        await SendAsync($"set {key} 0 0 {value.Length}\r\n{value}\r\n");
        string? reply = await _reader.ReadLineAsync();
        if (reply != "STORED")
            throw new InvalidOperationException($"set {key}: {reply}");
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.NativeEngine;

// Moves a Memshack of N items from 3 shards x 2 replicas to 5 shards x 2 replicas over three "nodes"
// (engine pools, two of them behind data-plane servers on loopback), as a silo on node-0 drives a move:
// mirror, copy every shard, switch, delete what moved. In the same run, the engine exports the same
// items to a file (a snapshot of one region holding all of them): the bandwidth a copy of the data
// costs without the network and the replicas. Prints `key value unit` lines.
int items = 1_000_000, valueLength = 100;
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--items" when int.TryParse(value, CultureInfo.InvariantCulture, out items) && items > 0:
        case "--value-size" when int.TryParse(value, CultureInfo.InvariantCulture, out valueLength) && valueLength is > 0 and <= 64 * 1024:
            i++;
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: reshard-bench [--items N (1000000)] [--value-size BYTES (100)]");
            return 0;
        default:
            Console.Error.WriteLine($"reshard-bench: bad argument '{args[i]}'; see --help");
            return 2;
    }
}

string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"mnemo-reshard-bench-{Environment.ProcessId}");
Directory.CreateDirectory(folder);
using ILoggerFactory logging = LoggerFactory.Create(builder => builder.AddConsole().SetMinimumLevel(LogLevel.Warning));
var pools = new List<EnginePool>();
var servers = new List<DataPlaneServer>();
var peers = new List<PeerConnection>();
try
{
    ulong capacity = (ulong)Math.Max(256L << 20, (long)items * (valueLength + 120) * 2);
    string[] nodes = ["node-0", "node-1", "node-2"];
    foreach (string node in nodes)
    {
        EnginePool pool = EnginePool.Open(new PoolOptions { Path = Path.Combine(folder, node), Capacity = capacity, Create = true });
        pools.Add(pool);
        servers.Add(await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), pool, (_, _) => null, logging));
    }
    var clock = new CasClock(0);
    ShardedCacheStore current = Build(3, 2);
    var store = new MemshackStore(current, clock);

    byte[] value = new byte[valueLength];
    Random.Shared.NextBytes(value);
    Stopwatch load = Stopwatch.StartNew();
    await Parallel.ForAsync(0, items, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (k, _) =>
    {
        CacheResult stored = await store.StoreAsync(CacheStoreMode.Set, Key(k), value, 0, 0);
        if (stored.Status != CacheStatus.Ok)
            throw new InvalidOperationException($"load: {stored.Status}");
    });
    Console.WriteLine($"items {items} count");
    Console.WriteLine($"value_size {valueLength} bytes");
    Console.WriteLine($"load_seconds {load.Elapsed.TotalSeconds:F1} s");

    // The move, step by step.
    Stopwatch move = Stopwatch.StartNew();
    ShardedCacheStore next = Build(5, 2);
    IReadOnlyList<IReadOnlyList<string>> fromMap = Map(3, 2), toMap = Map(5, 2);
    bool[] unchanged = Enumerable.Range(0, 3).Select(s => toMap[s].All(fromMap[s].Contains)).ToArray();
    await store.BeginMoveAsync(next, unchanged);
    long moved = 0, scanned = 0;
    for (int shard = 0; shard < 3; shard++)
    {
        IReplica[] added = toMap[shard].Where(node => !fromMap[shard].Contains(node)).Select(node => Replica(node, shard)).ToArray();
        var copy = new ShardMove(Replica(fromMap[shard][0], shard), shard, next, added);
        await copy.RunAsync();
        moved += copy.Moved;
        scanned += copy.Scanned;
    }
    TimeSpan copied = move.Elapsed;
    await store.Fence.HoldAsync(TimeSpan.FromSeconds(5));
    store.CompleteMove();
    TimeSpan switched = move.Elapsed;
    // Each silo cleans its own regions in its engine.
    var router = new Ch3Router(5);
    for (int n = 0; n < nodes.Length; n++)
    {
        foreach (RegionStats region in pools[n].ListRegions().ToList())
        {
            int shard = MemshackRegions.ShardOf(region.Name, "bench", "cache");
            if (shard < 5 && toMap[shard].Contains(nodes[n]))
            {
                using var local = new EngineRegionStore(pools[n], region.Region, $"{nodes[n]}/{region.Name}");
                await ShardMove.RemoveMovedKeysAsync(local, shard, router);
            }
            else
            {
                pools[n].DropRegion(region.Region);
            }
        }
    }
    TimeSpan total = move.Elapsed;
    double movedBytes = moved * (double)(valueLength + Key(0).Length);
    Console.WriteLine($"keys_scanned {scanned} count");
    Console.WriteLine($"keys_moved {moved} count");
    Console.WriteLine($"share_moved {moved / (double)scanned:F4} ratio (Ch3 3->5 moves 0.4)");
    Console.WriteLine($"copy_seconds {copied.TotalSeconds:F2} s");
    Console.WriteLine($"switch_ms {(switched - copied).TotalMilliseconds:F2} ms");
    Console.WriteLine($"clean_seconds {(total - switched).TotalSeconds:F2} s");
    Console.WriteLine($"move_seconds {total.TotalSeconds:F2} s");
    Console.WriteLine($"copy_moved_mb_per_s {movedBytes / 1e6 / copied.TotalSeconds:F1} MB/s");
    Console.WriteLine($"copy_scanned_items_per_s {scanned / copied.TotalSeconds:F0} items/s");

    // Baseline in the same run: the engine exports all the items (one region) to a file.
    EnginePool exportPool = pools[0];
    Region all = exportPool.GetOrCreateRegion("export");
    for (int k = 0; k < items; k++)
        exportPool.Store(all, StoreMode.Set, Key(k), value, 0, 0, out _);
    ulong snapshot = exportPool.CreateSnapshot(all);
    string file = Path.Combine(folder, "export.bin");
    Stopwatch export = Stopwatch.StartNew();
    exportPool.ExportSnapshot(all, snapshot, file);
    export.Stop();
    double exportBytes = items * (double)(valueLength + Key(0).Length);
    Console.WriteLine($"export_seconds {export.Elapsed.TotalSeconds:F2} s");
    Console.WriteLine($"export_mb_per_s {exportBytes / 1e6 / export.Elapsed.TotalSeconds:F1} MB/s (same payload bytes: keys and values)");
    Console.WriteLine($"move_copy_vs_export {movedBytes / copied.TotalSeconds / (exportBytes / export.Elapsed.TotalSeconds):F3} ratio (payload MB/s moved / exported)");
    return 0;

    ShardedCacheStore Build(int shards, int replicas)
    {
        IReadOnlyList<IReadOnlyList<string>> map = Map(shards, replicas);
        var sets = new IAsyncCacheStore[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            IReplica[] replicaList = map[shard].Select(node => Replica(node, shard)).ToArray();
            int local = map[shard].ToList().IndexOf("node-0");
            sets[shard] = new ReplicaSet(replicaList, new ReplicaSetOptions { GatewayName = "node-0", CasClock = clock, LocalReplica = local >= 0 ? local : null });
        }
        return new ShardedCacheStore(sets);
    }

    IReadOnlyList<IReadOnlyList<string>> Map(int shards, int replicas) => ReplicaPlacement.ShardMap("bench/cache", shards, replicas, nodes);

    IReplica Replica(string node, int shard)
    {
        string region = MemshackRegions.Of("bench", "cache", shard);
        int n = Array.IndexOf(nodes, node);
        if (n == 0)
            return new EngineRegionStore(pools[0], pools[0].GetOrCreateRegion(region), $"{node}/{region}");
        var peer = new PeerConnection(servers[n].EndPoint);
        peers.Add(peer);
        return new RemoteReplica(peer, region, $"{node}/{region}", (int)EngineLimits.ItemSizeMaxDefault);
    }
}
finally
{
    foreach (PeerConnection peer in peers)
        await peer.DisposeAsync();
    foreach (DataPlaneServer server in servers)
        await server.DisposeAsync();
    pools.ForEach(p => p.Dispose());
    Directory.Delete(folder, recursive: true);
}

static byte[] Key(int k) => Encoding.ASCII.GetBytes($"key-{k:D8}");

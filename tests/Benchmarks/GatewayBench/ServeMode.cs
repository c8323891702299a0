using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.NativeEngine;
using Mnemo.DataPlane;

namespace Mnemo.GatewayBench;

/// <summary>Runs the gateway over a fresh engine pool until stdin closes (so the load generator runs in another process).</summary>
internal static class ServeMode
{
    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        int port = arguments.Int("port", 0);
        string path = arguments.String("pool") ?? throw new ArgumentException("--pool PATH is required");
        int shards = arguments.Int("shards", 1);
        ulong capacity = (ulong)arguments.Int("capacity-mb", 512) << 20;

        using EnginePool pool = EnginePool.Open(new PoolOptions { Path = path, Capacity = capacity, Create = true });
        IAsyncCacheStore[] regions = Enumerable.Range(0, shards)
            .Select(i => (IAsyncCacheStore)new EngineRegionStore(pool, pool.GetOrCreateRegion($"shard-{i}"), $"shard-{i}"))
            .ToArray();
        IAsyncCacheStore store = shards == 1 ? regions[0] : new ShardedCacheStore(regions);
        await using MemcachedGatewayHost host = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, port), store, NullLoggerFactory.Instance);
        Console.WriteLine($"READY {host.Endpoint.Port}");
        await Console.In.ReadToEndAsync();
        return 0;
    }
}

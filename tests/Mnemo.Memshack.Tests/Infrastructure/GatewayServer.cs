using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>An in-process memcached gateway on a free loopback port over its own engine pool.</summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly TestPool _pool;
    private readonly MemcachedGatewayHost _host;

    private GatewayServer(TestPool pool, MemcachedGatewayHost host)
    {
        _pool = pool;
        _host = host;
    }

    public int Port => _host.Endpoint.Port;

    public TestPool Pool => _pool;

    /// <param name="shards">0: one engine region; otherwise a Ch3-sharded store with that many regions.</param>
    public static Task<GatewayServer> StartAsync(int shards = 0, MemcachedGatewayOptions? options = null) =>
        StartAsync(pool => shards == 0 ? pool.Region("default") : pool.Sharded(shards), options);

    /// <param name="createStore">Builds the store the gateway serves over the server's pool.</param>
    public static async Task<GatewayServer> StartAsync(Func<TestPool, IAsyncCacheStore> createStore, MemcachedGatewayOptions? options = null)
    {
        var pool = new TestPool();
        IAsyncCacheStore store = createStore(pool);
        MemcachedGatewayHost host = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), store, NullLoggerFactory.Instance, options);
        return new GatewayServer(pool, host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _pool.Dispose();
    }
}

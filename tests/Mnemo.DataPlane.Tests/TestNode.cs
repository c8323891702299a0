using System.Net;
using Microsoft.Extensions.Logging;
using Mnemo.NativeEngine;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// A "node" for tests: an engine pool in a temp folder under /dev/shm and a data-plane server on
/// 127.0.0.1 (dynamic port). The server can be killed and restarted on the same port, keeping the
/// pool (a restarted process) or starting from an empty one (a replaced node). The server admits
/// every peer unless the test gives an admission of its own.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    public const string RegionName = "shard-0";
    private readonly string _folder;
    private readonly uint _itemSizeMax;
    private readonly PeerAdmission _admission;
    private readonly PeerTls? _tls;
    private readonly ILoggerFactory _logging;
    private int _poolGeneration;

    private TestNode(string name, string folder, uint itemSizeMax, PeerAdmission admission, PeerTls? tls, ILoggerFactory logging)
    {
        Name = name;
        _folder = folder;
        _itemSizeMax = itemSizeMax;
        _admission = admission;
        _tls = tls;
        _logging = logging;
    }

    /// <summary>Admits every peer, whoever it claims to be.</summary>
    public static PeerAdmission AnyPeer { get; } = (_, _) => null;

    public string Name { get; }

    public EnginePool Pool { get; private set; } = null!;

    public Region Region { get; private set; }

    public DataPlaneServer? Server { get; private set; }

    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <param name="itemSizeMax">The pool's item size limit; 0 for the engine's default.</param>
    /// <param name="tls">Mutual TLS for the server; null: plain TCP.</param>
    /// <param name="logging">Where the server logs (default: Warning and above, nowhere kept).</param>
    public static async Task<TestNode> StartAsync(string name, uint itemSizeMax = 0, PeerAdmission? admission = null, PeerTls? tls = null,
        ILoggerFactory? logging = null)
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string folder = Path.Combine(root, $"mnemo-dataplane-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var node = new TestNode(name, folder, itemSizeMax, admission ?? AnyPeer, tls, logging ?? TestLogging.Factory);
        node.OpenPool();
        await node.StartServerAsync();
        return node;
    }

    public EngineRegionStore CreateEngineRegionStore() => new(Pool, Region, $"{Name}/{RegionName}");

    public PeerConnection Connect(PeerConnectionOptions? options = null) => new(EndPoint, options ?? FastFailOptions);

    public static PeerConnectionOptions FastFailOptions { get; } = new()
    {
        OperationTimeout = TimeSpan.FromSeconds(20),
        ReconnectBackoffMin = TimeSpan.FromMilliseconds(20),
        ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Stops the server at once: connections are aborted, nothing is drained.</summary>
    public async Task KillAsync()
    {
        if (Server is { } server)
        {
            Server = null;
            await server.DisposeAsync();
        }
    }

    /// <summary>Starts the server again on the same port, with the same pool or (when <paramref name="emptyPool"/>) a new empty one.</summary>
    public async Task RestartAsync(bool emptyPool)
    {
        await KillAsync();
        if (emptyPool)
        {
            Pool.Dispose();
            OpenPool();
        }
        await StartServerAsync();
    }

    /// <summary>Every live item of the region, by key (value, flags, exptime, CAS, lease state), for comparing replicas.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Pool.Scan(Region, EnginePool.LiveView, (key, value, in info) =>
        {
            items[Convert.ToHexString(key)] = $"{Convert.ToHexString(value)}/{info.Flags}/{info.Exptime}/{info.Cas}/{info.State & ItemState.Stale}";
            return true;
        });
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Pool.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private void OpenPool()
    {
        string path = Path.Combine(_folder, $"pool-{++_poolGeneration}");
        Pool = EnginePool.Open(new PoolOptions { Path = path, Capacity = 64UL << 20, Create = true, ItemSizeMax = _itemSizeMax });
        Region = Pool.GetOrCreateRegion(RegionName);
    }

    private async Task StartServerAsync()
    {
        // Restarting on a port just released can race with another listener on a loaded machine: retry briefly.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Server = await DataPlaneServer.StartAsync(EndPoint, Pool, _admission, _logging, tls: _tls);
                EndPoint = Server.EndPoint;
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }
}

internal static class TestLogging
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning));
}

using Mnemo.NativeEngine;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>A DRAM-emulated engine pool in /dev/shm, deleted on dispose, with helpers to build stores over it.</summary>
public sealed class TestPool : IDisposable
{
    private readonly string _path;

    public TestPool(ulong capacity = 256UL << 20)
    {
        string directory = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _path = Path.Combine(directory, $"mnemo-memshack-test-{Guid.NewGuid():N}.pool");
        Pool = EnginePool.Open(new PoolOptions { Path = _path, Capacity = capacity, Create = true });
    }

    public EnginePool Pool { get; }

    /// <summary>A store over region <paramref name="name"/>, which it also reports as its replica name.</summary>
    public EngineRegionStore Region(string name) => new(Pool, Pool.GetOrCreateRegion(name), name);

    /// <summary>A Ch3-sharded store with one region per shard.</summary>
    public ShardedCacheStore Sharded(int shards) =>
        new(Enumerable.Range(0, shards).Select(i => (IAsyncCacheStore)Region($"shard-{i}")).ToArray());

    public void Dispose()
    {
        Pool.Dispose();
        File.Delete(_path);
    }
}

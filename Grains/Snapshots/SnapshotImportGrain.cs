using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;
using Orleans.Concurrency;

namespace Mnemo.Grains;

/// <summary>
/// Writes imported items through this silo's gateway store of the Memshack, the route its memcached
/// gateway takes: Ch3 picks each key's shard under the topology served now, whatever the shard count of
/// the Memshack the items were exported from, and the shard's replica set writes every replica.
/// </summary>
[StatelessWorker]
public sealed class SnapshotImportGrain(ServedMemshacks served) : Grain, ISnapshotImportGrain
{
    /// <summary>Writes of one batch in flight at once: enough to keep the replica sets' pipelines busy.</summary>
    private const int WritesInFlight = 64;

    public Task<int> ShardsAsync(string memshack) => Task.FromResult(served.FindShards(memshack)?.Count ?? 0);

    public async Task<SnapshotImportResult> WriteAsync(string memshack, PortableItem[] items)
    {
        (string ns, string name) = ResourceKey.Split(memshack);
        IAsyncCacheStore store = served.FindGateway(ns, name)?.Store
            ?? throw new InvalidOperationException($"this silo does not serve Memshack {memshack}");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int written = 0, expired = 0, failed = 0;
        string? firstError = null;
        var pending = new List<(PortableItem Item, Task<CacheResult> Write)>(WritesInFlight);
        foreach (PortableItem item in items)
        {
            // An expired item would be invisible at once: writing it would only take space.
            if (item.Exptime != 0 && item.Exptime <= now)
            {
                expired++;
                continue;
            }
            // The item's CAS is its version on every replica (the replica set's last writer wins).
            var options = new CacheWriteOptions(CasNew: item.Cas, Stale: item.Stale);
            pending.Add((item, store.StoreAsync(CacheStoreMode.Set, item.Key, item.Value, item.Flags, item.Exptime, options).AsTask()));
            if (pending.Count == WritesInFlight)
                await DrainAsync();
        }
        await DrainAsync();
        return new SnapshotImportResult(written, expired, failed, firstError);

        async Task DrainAsync()
        {
            foreach ((PortableItem item, Task<CacheResult> write) in pending)
            {
                CacheStatus status = (await write).Status;
                if (status == CacheStatus.Ok)
                {
                    written++;
                    continue;
                }
                failed++;
                firstError ??= $"key '{System.Text.Encoding.UTF8.GetString(item.Key)}' ({item.Value.Length}-byte value): {status}";
            }
            pending.Clear();
        }
    }
}

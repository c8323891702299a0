using System.Buffers;
using Mnemo.NativeEngine;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

internal static class ReplicaSetTestExtensions
{
    public static async Task<CacheStatus> SetAsync(this IAsyncCacheStore store, string key, string value) =>
        (await store.StoreAsync(CacheStoreMode.Set, Bytes.Of(key), Bytes.Of(value), 0, 0)).Status;

    public static async Task<(CacheStatus Status, string Value)> ReadAsync(this IAsyncCacheStore store, string key)
    {
        var value = new ArrayBufferWriter<byte>();
        CacheResult result = await store.GetAsync(Bytes.Of(key), value);
        return (result.Status, Bytes.Text(value.WrittenSpan));
    }

    /// <summary>Writes straight into a node's engine, behind the replica set's back (to make replicas differ).</summary>
    public static void PutDirectly(this TestNode node, string key, string value) =>
        node.Pool.Store(node.Region, StoreMode.Set, Bytes.Of(key), Bytes.Of(value), 0, 0, out _);

    public static string? ValueOn(this TestNode node, string key)
    {
        byte[] buffer = new byte[4096];
        return node.Pool.TryGet(node.Region, Bytes.Of(key), buffer, out int length, out _) == EngineStatus.Ok ? Bytes.Text(buffer.AsSpan(0, length)) : null;
    }

    /// <summary>Runs maintenance passes until the replica is in sync (the peer connection may still be backing off right after a restart).</summary>
    public static async Task<bool> RepairUntilInSyncAsync(this ReplicaSet set, int index) =>
        await Eventually.HoldsAsync(async () =>
        {
            await set.RepairAsync();
            return set.GetState(index) == ReplicaState.InSync;
        });
}

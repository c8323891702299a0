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

    /// <summary>The CAS of the item a node's engine holds for the key (asserted to hold one).</summary>
    public static ulong CasOn(this TestNode node, string key)
    {
        Xunit.Assert.Equal(EngineStatus.Ok, node.Pool.Get(node.Region, Bytes.Of(key), new ArrayBufferWriter<byte>(), out ItemInfo info));
        return info.Cas;
    }

    /// <summary>An ordered delete of <paramref name="version"/> straight into a node's engine: its tombstone lasts <paramref name="exptime"/> (default 60 s).</summary>
    public static EngineStatus OrderedDelete(this TestNode node, string key, ulong version, long? exptime = null) =>
        node.Pool.Delete(node.Region, Bytes.Of(key), new WriteOptions { CasNew = version, Ordered = true, Exptime = exptime });

    /// <summary>An ordered set of <paramref name="version"/> straight into a node's engine (a write arriving late, from anywhere).</summary>
    public static EngineStatus OrderedSet(this TestNode node, string key, string value, ulong version) =>
        node.Pool.Store(node.Region, StoreMode.Set, Bytes.Of(key), Bytes.Of(value), 7, 0, out _, new WriteOptions { CasNew = version, Ordered = true });

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

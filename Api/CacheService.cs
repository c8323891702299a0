using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.DataPlane;

namespace Mnemo.Api;

/// <summary>
/// <c>mnemo.v1.Cache</c>: each call goes where the same memcached command sent to this silo's gateway
/// of the Memshack goes, the gateway's store (Ch3 routing to the shard's replica set), with no grain
/// call on the way. Keys and values are passed as the request's memory; read values are wrapped, not copied.
/// </summary>
public sealed class CacheService(ServedMemshacks served) : V1.Cache.CacheBase
{
    public override async Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        var value = new ArrayBufferWriter<byte>();
        CacheResult result = await store.GetAsync(request.Key.Memory, value, default, context.CancellationToken);
        return result.Status == CacheStatus.Ok
            ? new GetResponse { Item = ItemOf(request.Key, value, result.Info) }
            : throw ApiErrors.FromCache(result.Status, memshack, "key", store.ItemSizeMax);
    }

    public override async Task<GetManyResponse> GetMany(GetManyRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        int count = request.Keys.Count;
        // Every read starts before the first is awaited, so remote replicas get them pipelined.
        var values = new ArrayBufferWriter<byte>[count];
        var reads = new ValueTask<CacheResult>[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = new ArrayBufferWriter<byte>();
            reads[i] = store.GetAsync(request.Keys[i].Memory, values[i], default, context.CancellationToken);
        }
        var response = new GetManyResponse();
        RpcException? failure = null;
        for (int i = 0; i < count; i++)
        {
            CacheResult result = await reads[i];
            if (result.Status == CacheStatus.Ok)
                response.Items.Add(ItemOf(request.Keys[i], values[i], result.Info));
            else if (result.Status != CacheStatus.NotFound)
                failure ??= ApiErrors.FromCache(result.Status, memshack, $"keys[{i}]", store.ItemSizeMax);
        }
        return failure is null ? response : throw failure;
    }

    public override async Task<SetResponse> Set(SetRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        CacheStoreMode mode = request.Mode switch
        {
            SetMode.Set => request.Cas != 0 ? CacheStoreMode.Cas : CacheStoreMode.Set,
            SetMode.Add => CacheStoreMode.Add,
            SetMode.Replace => CacheStoreMode.Replace,
            _ => throw ApiErrors.BadField("mode", $"unknown mode {(int)request.Mode}", memshack),
        };
        long exptime = Ttl.ToExptime(request.TtlSeconds, "ttl_seconds");
        CacheResult result = await store.StoreAsync(mode, request.Key.Memory, request.Value.Memory, request.Flags, exptime,
            new CacheWriteOptions(CasIn: request.Cas), context.CancellationToken);
        return result.Status switch
        {
            CacheStatus.Ok => new SetResponse { Cas = result.Cas },
            // replace (or a CAS) on a missing key
            CacheStatus.NotStored when mode == CacheStoreMode.Replace => throw ApiErrors.FromCache(CacheStatus.NotFound, memshack, "key", store.ItemSizeMax),
            _ => throw ApiErrors.FromCache(result.Status, memshack, "key", store.ItemSizeMax),
        };
    }

    public override async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        CacheResult result = await store.DeleteAsync(request.Key.Memory, new CacheWriteOptions(CasIn: request.Cas), context.CancellationToken);
        return result.Status == CacheStatus.Ok ? new DeleteResponse() : throw ApiErrors.FromCache(result.Status, memshack, "key", store.ItemSizeMax);
    }

    public override async Task<TouchResponse> Touch(TouchRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        long exptime = Ttl.ToExptime(request.TtlSeconds, "ttl_seconds");
        CacheResult result = await store.TouchAsync(request.Key.Memory, exptime, context.CancellationToken);
        return result.Status == CacheStatus.Ok ? new TouchResponse() : throw ApiErrors.FromCache(result.Status, memshack, "key", store.ItemSizeMax);
    }

    public override async Task<IncrResponse> Incr(IncrRequest request, ServerCallContext context)
    {
        (MemshackName memshack, ServedGateway gateway) = MemshackLookup.Find(served, request.Memshack);
        IAsyncCacheStore store = gateway.Store;
        CacheResult result = await store.ArithmeticAsync(request.Key.Memory, request.Decrement, request.Delta, default, context.CancellationToken);
        return result.Status == CacheStatus.Ok
            ? new IncrResponse { Value = result.Number, Cas = result.Cas }
            : throw ApiErrors.FromCache(result.Status, memshack, "key", store.ItemSizeMax);
    }

    private static Item ItemOf(ByteString key, ArrayBufferWriter<byte> value, CacheItemInfo info) => new()
    {
        Key = key,
        // The buffer is this call's own and never written again.
        Value = UnsafeByteOperations.UnsafeWrap(value.WrittenMemory),
        Flags = info.Flags,
        Cas = info.Cas,
        ExpiresAt = info.Exptime,
    };
}

using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Mnemo.Api.V1;

namespace Mnemo.Client;

/// <summary>Cache calls over the gRPC API. <c>memshack</c> is <c>namespace/name</c>, or a name in namespace <c>default</c>;
/// <c>timeout</c> overrides <see cref="MnemoClientOptions.CacheCallTimeout"/> (exceeded: <see cref="MnemoDeadlineExceededException"/>).</summary>
public sealed partial class MnemoClient
{
    private const string KeyNotFound = "KEY_NOT_FOUND";

    /// <summary>The item, or <see cref="CacheLookup.Miss"/> when the key is absent.</summary>
    public async Task<CacheLookup> GetAsync(string memshack, string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            GetResponse response = await CacheCallAsync((cache, call) => cache.GetAsync(new GetRequest { Memshack = NameOf(memshack), Key = Key(key) }, call),
                timeout, cancellationToken);
            return new CacheLookup(ItemOf(response.Item));
        }
        catch (MnemoApiException e) when (e.Reason == KeyNotFound)
        {
            return CacheLookup.Miss;
        }
    }

    /// <summary>The items found, in the order of <paramref name="keys"/>; absent keys are left out.</summary>
    public async Task<IReadOnlyList<CacheItem>> GetManyAsync(string memshack, IEnumerable<string> keys, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var request = new GetManyRequest { Memshack = NameOf(memshack) };
        request.Keys.AddRange(keys.Select(Key));
        GetManyResponse response = await CacheCallAsync((cache, call) => cache.GetManyAsync(request, call), timeout, cancellationToken);
        return response.Items.Select(ItemOf).ToList();
    }

    /// <summary>
    /// Stores <paramref name="value"/> and returns its CAS unique. <paramref name="cas"/> non-zero: only over that
    /// version (else <see cref="MnemoApiException"/> with reason <c>CAS_MISMATCH</c>). <paramref name="ttl"/> null: no expiry.
    /// </summary>
    public async Task<ulong> SetAsync(string memshack, string key, ReadOnlyMemory<byte> value, uint flags = 0, TimeSpan? ttl = null, ulong cas = 0,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var request = new SetRequest
        {
            Memshack = NameOf(memshack), Key = Key(key), Value = ByteString.CopyFrom(value.Span), Flags = flags,
            TtlSeconds = TtlSeconds(ttl), Cas = cas,
        };
        SetResponse response = await CacheCallAsync((cache, call) => cache.SetAsync(request, call), timeout, cancellationToken);
        return response.Cas;
    }

    /// <summary>Stores a UTF-8 string value; see <see cref="SetAsync(string, string, ReadOnlyMemory{byte}, uint, TimeSpan?, ulong, TimeSpan?, CancellationToken)"/>.</summary>
    public Task<ulong> SetAsync(string memshack, string key, string value, uint flags = 0, TimeSpan? ttl = null, ulong cas = 0,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SetAsync(memshack, key, Encoding.UTF8.GetBytes(value), flags, ttl, cas, timeout, cancellationToken);

    /// <summary>Deletes the key; false when it was absent. <paramref name="cas"/> non-zero: only that version.</summary>
    public Task<bool> DeleteAsync(string memshack, string key, ulong cas = 0, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        FoundAsync(CacheCallAsync((cache, call) => cache.DeleteAsync(new DeleteRequest { Memshack = NameOf(memshack), Key = Key(key), Cas = cas }, call),
            timeout, cancellationToken));

    /// <summary>Gives the item a new time to live (null: no expiry); false when the key is absent.</summary>
    public Task<bool> TouchAsync(string memshack, string key, TimeSpan? ttl, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        FoundAsync(CacheCallAsync((cache, call) => cache.TouchAsync(new TouchRequest { Memshack = NameOf(memshack), Key = Key(key), TtlSeconds = TtlSeconds(ttl) }, call),
            timeout, cancellationToken));

    /// <summary>
    /// memcached incr (or decr with <paramref name="decrement"/>) of a decimal value: the new value, or null when the key
    /// is absent. A non-numeric value fails with reason <c>NOT_NUMERIC</c>. Never sent twice: failover only moves a call
    /// that reached no silo.
    /// </summary>
    public async Task<ulong?> IncrementAsync(string memshack, string key, ulong delta = 1, bool decrement = false, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var request = new IncrRequest { Memshack = NameOf(memshack), Key = Key(key), Delta = delta, Decrement = decrement };
            IncrResponse response = await CacheCallAsync((cache, call) => cache.IncrAsync(request, call), timeout, cancellationToken);
            return response.Value;
        }
        catch (MnemoApiException e) when (e.Reason == KeyNotFound)
        {
            return null;
        }
    }

    private Task<T> CacheCallAsync<T>(Func<Api.V1.Cache.CacheClient, CallOptions, AsyncUnaryCall<T>> call, TimeSpan? timeout, CancellationToken cancellationToken) =>
        _grpc.CallAsync((channel, options) => call(new Api.V1.Cache.CacheClient(channel), options), timeout ?? _options.CacheCallTimeout, cancellationToken);

    private static async Task<bool> FoundAsync<T>(Task<T> call)
    {
        try
        {
            await call;
            return true;
        }
        catch (MnemoApiException e) when (e.Reason == KeyNotFound)
        {
            return false;
        }
    }

    private static MemshackName NameOf(string memshack)
    {
        int slash = memshack.IndexOf('/');
        return slash < 0
            ? new MemshackName { Namespace = "default", Name = memshack }
            : new MemshackName { Namespace = memshack[..slash], Name = memshack[(slash + 1)..] };
    }

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    private static long TtlSeconds(TimeSpan? ttl) => ttl is { } t ? Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)) : 0;

    private static CacheItem ItemOf(Item item) => new(item.Key.ToStringUtf8(), item.Value.ToByteArray(), item.Flags, item.Cas,
        item.ExpiresAt == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(item.ExpiresAt));
}

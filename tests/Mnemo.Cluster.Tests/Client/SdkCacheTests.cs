using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Client;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The SDK's cache calls over the gRPC API of real silo processes: typed items and misses, CAS, increments,
/// touch, many keys at once, per-call deadlines and the client registered with dependency injection.</summary>
public sealed class SdkCacheTests(GrpcClusterFixture fixture) : IClassFixture<GrpcClusterFixture>
{
    private const string Memshack = "default/strict";

    private MnemoClientOptions Options => new()
    {
        GrpcEndpoints = [.. Enumerable.Range(0, fixture.Cluster.Settings.Length).Select(i => fixture.Cluster.GrpcAddress(i).ToString())],
    };

    [Fact]
    public async Task Set_get_delete_and_the_typed_miss()
    {
        await using MnemoClient client = MnemoClient.Create(Options);
        string key = $"sdk:{Guid.NewGuid():N}";

        Assert.False((await client.GetAsync(Memshack, key)).IsHit);
        ulong cas = await client.SetAsync(Memshack, key, "hello", flags: 7);
        CacheLookup hit = await client.GetAsync(Memshack, key);

        Assert.True(hit.IsHit);
        Assert.Equal("hello", Encoding.UTF8.GetString(hit.Item!.Value));
        Assert.Equal(7u, hit.Item.Flags);
        Assert.Equal(cas, hit.Item.Cas);
        Assert.Null(hit.Item.ExpiresAt);

        var stale = await Assert.ThrowsAsync<MnemoApiException>(() => client.SetAsync(Memshack, key, "other", cas: cas + 1));
        Assert.Equal("CAS_MISMATCH", stale.Reason);
        Assert.Equal(StatusCode.FailedPrecondition, stale.Code);
        Assert.Equal("hello", Encoding.UTF8.GetString((await client.GetAsync(Memshack, key)).Item!.Value));

        Assert.True(await client.DeleteAsync(Memshack, key));
        Assert.False(await client.DeleteAsync(Memshack, key));
        Assert.False((await client.GetAsync(Memshack, key)).IsHit);
    }

    [Fact]
    public async Task Increment_touch_and_get_many()
    {
        await using MnemoClient client = MnemoClient.Create(Options);
        string counter = $"sdk:n:{Guid.NewGuid():N}", absent = $"sdk:absent:{Guid.NewGuid():N}";

        Assert.Null(await client.IncrementAsync(Memshack, counter));
        await client.SetAsync(Memshack, counter, "41");
        Assert.Equal(42UL, await client.IncrementAsync(Memshack, counter));
        Assert.Equal(40UL, await client.IncrementAsync(Memshack, counter, 2, decrement: true));
        await client.SetAsync(Memshack, absent + "x", "text");
        var notNumeric = await Assert.ThrowsAsync<MnemoApiException>(() => client.IncrementAsync(Memshack, absent + "x"));
        Assert.Equal("NOT_NUMERIC", notNumeric.Reason);

        Assert.True(await client.TouchAsync(Memshack, counter, TimeSpan.FromHours(1)));
        Assert.False(await client.TouchAsync(Memshack, absent, TimeSpan.FromHours(1)));
        CacheItem touched = (await client.GetAsync(Memshack, counter)).Item!;
        Assert.InRange(touched.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(65));

        IReadOnlyList<CacheItem> many = await client.GetManyAsync(Memshack, [counter, absent, absent + "x"]);
        Assert.Equal([counter, absent + "x"], many.Select(i => i.Key));
        Assert.Equal("40", Encoding.UTF8.GetString(many[0].Value));
    }

    [Fact]
    public async Task A_call_past_its_deadline_is_a_typed_exception_and_the_client_keeps_working()
    {
        await using MnemoClient client = MnemoClient.Create(Options);
        string key = $"sdk:deadline:{Guid.NewGuid():N}";

        var exceeded = await Assert.ThrowsAsync<MnemoDeadlineExceededException>(() => client.SetAsync(Memshack, key, "v", timeout: TimeSpan.FromTicks(1)));

        Assert.Equal(StatusCode.DeadlineExceeded, exceeded.Code);
        await client.SetAsync(Memshack, key, "v", timeout: TimeSpan.FromSeconds(10));
        Assert.True((await client.GetAsync(Memshack, key)).IsHit);
    }

    [Fact]
    public async Task A_Memshack_that_is_not_served_is_MEMSHACK_NOT_FOUND()
    {
        await using MnemoClient client = MnemoClient.Create(Options);

        var missing = await Assert.ThrowsAsync<MnemoApiException>(() => client.GetAsync("default/nonexistent", "k"));

        Assert.Equal(StatusCode.NotFound, missing.Code);
        Assert.Equal("MEMSHACK_NOT_FOUND", missing.Reason);
    }

    [Fact]
    public async Task The_client_registered_with_dependency_injection_works()
    {
        var services = new ServiceCollection();
        services.AddMnemoClient(options =>
        {
            options.GrpcEndpoints = Options.GrpcEndpoints;
            options.CacheCallTimeout = TimeSpan.FromSeconds(10);
        });
        await using ServiceProvider provider = services.BuildServiceProvider();
        MnemoClient client = provider.GetRequiredService<MnemoClient>();
        string key = $"sdk:di:{Guid.NewGuid():N}";

        Assert.Same(client, provider.GetRequiredService<MnemoClient>());
        await client.SetAsync(Memshack, key, "injected");
        Assert.Equal("injected", Encoding.UTF8.GetString((await client.GetAsync(Memshack, key)).Item!.Value));
        MemshackShardMap map = await client.DescribeMemshackAsync(Memshack);
        Assert.Equal(3, map.Shards.Count);
    }
}

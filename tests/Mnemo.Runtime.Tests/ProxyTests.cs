using Google.Protobuf.WellKnownTypes;
using Mnemo.Runtime.Proxies;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.Runtime.Tests;

/// <summary>Every return kind and argument shape, called inside the silo (objects passed as they are)
/// and from a client through the gateway silo (codec + transport): both paths must behave the same.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private InProcessCluster _cluster = null!;

    public static TheoryData<string> Paths => new() { "local", "client" };

    public async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(1, addServices: s => s.AddSingleton(_probe));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task All_return_kinds_work(string path)
    {
        IEchoGrain grain = Factory(path).GetGrain<IEchoGrain>("kinds-" + path);
        Assert.Equal("héllo", await grain.Echo("héllo"));
        await grain.Ping();
        Assert.Equal(5, await grain.Add(2, 3));
        await grain.Touch();
        Assert.Contains("touched", _probe.Events("echo/kinds-" + path));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Collections_messages_nulls_and_bytes_cross_calls(string path)
    {
        IEchoGrain grain = Factory(path).GetGrain<IEchoGrain>("shapes-" + path);
        Assert.Equal(["a", "b", "c"], await grain.Split("a b c"));
        Assert.Empty(await grain.Split(null));
        var start = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch);
        Assert.Equal(Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMinutes(2)), await grain.Later(start, TimeSpan.FromMinutes(2)));
        Assert.Null(await grain.Later(null, TimeSpan.Zero));
        Assert.Equal(new byte[] { 3, 2, 1 }, await grain.Reverse([1, 2, 3]));
        Assert.Null(await grain.Reverse(null));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Exceptions_reach_the_caller_with_type_and_message(string path)
    {
        IEchoGrain grain = Factory(path).GetGrain<IEchoGrain>("throws-" + path);
        var error = await Assert.ThrowsAsync<GrainMethodException>(() => grain.Throw("the grain says no"));
        Assert.Equal(typeof(InvalidOperationException).FullName, error.ExceptionType);
        Assert.Equal("the grain says no", error.ExceptionMessage);
        // In one process the original exception is kept as well.
        Assert.Equal(path == "local", error.InnerException is InvalidOperationException);
        // The activation survives its method's exception.
        Assert.Equal("still here", await grain.Echo("still here"));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Failed_activation_fails_the_call_and_is_retried_on_the_next(string path)
    {
        IGrainFactory factory = Factory(path);
        var error = await Assert.ThrowsAnyAsync<GrainCallException>(() => factory.GetGrain<IFailingActivationGrain>(-1).Get());
        Assert.Contains("negative keys refuse to activate", error.Message);
        Assert.Equal(0, _cluster.CountActivations(GrainId.Create("failingactivation", -1)));
        Assert.Equal(4, await factory.GetGrain<IFailingActivationGrain>(4).Get());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task One_way_calls_return_before_the_grain_finishes(string path)
    {
        string key = "oneway-" + path;
        await Factory(path).GetGrain<IEchoGrain>(key).Notify("ding", 1500);
        Assert.DoesNotContain("notified:ding", _probe.Events("echo/" + key));
        await Eventually.TrueAsync(() => _probe.Events("echo/" + key).Contains("notified:ding"), "the one-way call ran");
    }

    [Fact]
    public void One_way_methods_with_a_result_are_refused() =>
        Assert.Contains("[OneWay]", Assert.Throws<NotSupportedException>(() => Factory("local").GetGrain<IOneWayWithResultGrain>("x")).Message);

    [Fact]
    public async Task Grain_types_take_their_declared_name()
    {
        Assert.Equal("custom-name/x", await Factory("client").GetGrain<ICustomNamedGrain>("x").Id());
        Assert.Equal(new GrainId("custom-name", "x"), Factory("local").GetGrain<ICustomNamedGrain>("x").GetGrainId());
    }

    [Fact]
    public void Unsupported_signatures_fail_when_the_reference_is_created()
    {
        var stream = Assert.Throws<NotSupportedException>(() => Factory("local").GetGrain<IUnsupportedGrain>("x"));
        Assert.Contains("System.IO.Stream", stream.Message);
        Assert.Contains("Take", stream.Message);
        var overload = Assert.Throws<NotSupportedException>(() => Factory("local").GetGrain<IOverloadedGrain>("x"));
        Assert.Contains("overloads 'Put'", overload.Message);
    }

    [Fact]
    public async Task Unknown_grain_types_and_methods_map_to_typed_errors()
    {
        // A client built against interfaces no silo hosts.
        var error = await Assert.ThrowsAsync<GrainNotFoundException>(() => Factory("client").GetGrain<IUnhostedGrain>("x").Hello());
        Assert.Equal("unhosted", error.GrainType);
        await Assert.ThrowsAsync<GrainNotFoundException>(() => Factory("local").GetGrain<IUnhostedGrain>("x").Hello());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_method_the_grain_type_does_not_implement_is_an_unknown_method(string path)
    {
        // Same grain type as IEchoGrain, but an interface the echo grain class does not implement.
        var error = await Assert.ThrowsAsync<GrainMethodNotFoundException>(() => Factory(path).GetGrain<IEchoGrainFromTheFuture>("x").Shout("hi"));
        Assert.Equal(typeof(IEchoGrainFromTheFuture).FullName, error.InterfaceName);
        Assert.Equal("Shout", error.Method);
    }

    [Fact]
    public async Task Integer_and_guid_keys_reach_the_grain()
    {
        Guid key = Guid.NewGuid();
        Assert.Equal(key, await Factory("client").GetGrain<ILifecycleGrain>(key).Hello());
        Assert.Equal(long.MaxValue, await Factory("client").GetGrain<IFailingActivationGrain>(long.MaxValue).Get());
    }

    private IGrainFactory Factory(string path) =>
        path == "local" ? _cluster.Silos[0].GrainFactory : TestClient.Connect(_cluster, _cluster.Silos[0]);

    public interface IUnhostedGrain : IGrainWithStringKey
    {
        Task Hello();
    }

    [GrainType("echo")]
    public interface IEchoGrainFromTheFuture : IGrainWithStringKey
    {
        Task<string> Shout(string text);
    }

    public interface IOneWayWithResultGrain : IGrainWithStringKey
    {
        [OneWay]
        Task<int> Count();
    }
}

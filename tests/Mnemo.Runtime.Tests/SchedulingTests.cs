using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;

namespace Mnemo.Runtime.Tests;

/// <summary>Turn-based execution and the interleaving rules of Orleans's ActivationData.MayInvokeRequest.</summary>
public sealed class SchedulingTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private InProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(1, addServices: s => s.AddSingleton(_probe));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Factory => _cluster.Silos[0].GrainFactory;

    [Fact]
    public async Task Requests_to_one_activation_never_overlap()
    {
        ITurnGrain grain = Factory.GetGrain<ITurnGrain>(1);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => grain.Work(20)));
        Assert.Equal(1, _probe.MaxConcurrency("turn/1"));
    }

    [Fact]
    public async Task Reentrant_grains_interleave_requests()
    {
        IReentrantGrain grain = Factory.GetGrain<IReentrantGrain>(2);
        int[] seen = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => grain.Together(3)));
        Assert.All(seen, s => Assert.Equal(3, s));
    }

    [Fact]
    public async Task Read_only_requests_interleave_with_each_other()
    {
        ITurnGrain grain = Factory.GetGrain<ITurnGrain>(3);
        int[] seen = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => grain.ReadTogether(3)));
        Assert.All(seen, s => Assert.Equal(3, s));
    }

    [Fact]
    public async Task Read_only_requests_do_not_interleave_with_writes()
    {
        ITurnGrain grain = Factory.GetGrain<ITurnGrain>(4);
        await Task.WhenAll(grain.Work(50), grain.ReadWork(50), grain.Work(50), grain.ReadWork(50));
        Assert.Equal(1, _probe.MaxConcurrency("turn/4"));
    }

    [Fact]
    public async Task Always_interleave_methods_run_next_to_a_busy_request()
    {
        ITurnGrain grain = Factory.GetGrain<ITurnGrain>(5);
        Task work = grain.Work(2000);
        await Eventually.TrueAsync(() => _probe.MaxConcurrency("turn/5") == 1, "the work started");
        Assert.Equal(2, await grain.Peek(2));
        await work;
    }

    [Fact]
    public async Task A_call_back_along_the_same_chain_is_admitted()
    {
        // A.Ping → B.PingBack → A.Leaf while A is still busy with Ping: no deadlock.
        string result = await Factory.GetGrain<IChainGrain>("a").Ping("b");
        Assert.Equal("leaf:a <- b", result);
    }

    [Fact]
    public async Task A_call_back_on_a_different_chain_waits_its_turn_and_times_out()
    {
        // The same shape, but B calls A from a fresh chain (no execution context): A is busy with
        // PingDetached and the callback is an unrelated request, so it waits; its 1 s deadline ends the
        // wait, which surfaces in A as B's failure.
        var error = await Assert.ThrowsAsync<GrainMethodException>(() => Factory.GetGrain<IChainGrain>("c").PingDetached("d"));
        Assert.Equal(typeof(TimeoutException).FullName, error.ExceptionType);
        // A is free again afterwards.
        Assert.Equal("leaf:c", await Factory.GetGrain<IChainGrain>("c").Leaf());
    }

    [Fact]
    public async Task Grain_code_does_not_see_the_callers_async_locals()
    {
        IEchoGrain grain = Factory.GetGrain<IEchoGrain>("ambient");
        TestAmbient.Value.Value = "caller's";
        Assert.Null(await grain.Ambient());
        Assert.Equal("caller's", TestAmbient.Value.Value);
    }
}

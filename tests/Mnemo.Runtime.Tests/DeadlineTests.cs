using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Proxies;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;

namespace Mnemo.Runtime.Tests;

public sealed class DeadlineTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private InProcessCluster _cluster = null!;

    public static TheoryData<string> Paths => new() { "local", "remote", "client" };

    public async Task InitializeAsync() =>
        _cluster = await InProcessCluster.StartAsync(2, configure: o => o.DefaultDeadline = TimeSpan.FromSeconds(2), addServices: s => s.AddSingleton(_probe));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_call_past_its_deadline_fails_with_timeout_and_the_grain_sees_cancellation(string path)
    {
        (IEchoGrain grain, string id) = Grain(path, "deadline");
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => grain.WithDeadline(TimeSpan.FromMilliseconds(300)).Wait(20_000, CancellationToken.None));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => _probe.Events(id).Contains("cancelled"), "the grain's token fired");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task The_default_deadline_applies_when_none_is_set(string path)
    {
        (IEchoGrain grain, _) = Grain(path, "default-deadline");
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => grain.Wait(20_000, CancellationToken.None));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Cancelling_the_callers_token_cancels_the_call_and_the_grain(string path)
    {
        (IEchoGrain grain, string id) = Grain(path, "cancel");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.Wait(20_000, cancel.Token));
        await Eventually.TrueAsync(() => _probe.Events(id).Contains("cancelled"), "the grain's token fired");
        Assert.Equal(5, await grain.Wait(5, CancellationToken.None));
    }

    [Fact]
    public async Task A_queued_request_times_out_while_the_activation_is_busy()
    {
        ITurnGrain grain = _cluster.Silos[0].GrainFactory.GetGrain<ITurnGrain>(Key("queued"));
        // The busy call gets a deadline far beyond its work, so a slow machine cannot time it out too.
        Task busy = grain.WithDeadline(TimeSpan.FromSeconds(30)).Work(1500);
        await Assert.ThrowsAsync<TimeoutException>(() => grain.WithDeadline(TimeSpan.FromMilliseconds(200)).Work(0));
        await busy;
    }

    [Fact]
    public void Deadlines_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _cluster.Silos[0].GrainFactory.GetGrain<IEchoGrain>("x").WithDeadline(TimeSpan.Zero));

    // local: the calling silo hosts the grain; remote: the other silo does; client: through a gateway.
    private (IEchoGrain Grain, string Id) Grain(string path, string prefix)
    {
        TestSilo caller = _cluster.Silos[0];
        for (int i = 0; ; i++)
        {
            string key = $"{prefix}-{path}-{i}";
            bool ownedByCaller = caller.Services.GetRequiredService<Mnemo.Silo.Runtime.Placement.GrainLocator>().Locate(new GrainId("echo", key)) == caller.Address;
            if (ownedByCaller == (path == "local"))
            {
                IGrainFactory factory = path == "client"
                    ? TestClient.Connect(_cluster, caller, new GrainCallOptions { DefaultDeadline = TimeSpan.FromSeconds(2) })
                    : caller.GrainFactory;
                return (factory.GetGrain<IEchoGrain>(key), "echo/" + key);
            }
        }
    }

    private static long Key(string name) => (long)new GrainId("turn", name).GetStableHash();
}

using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;

namespace Mnemo.Runtime.Tests;

public sealed class LifecycleTests
{
    private readonly Probe _probe = new();

    [Fact]
    public async Task Activation_injection_calls_and_deactivation_happen_in_order()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(1, addServices: s => s.AddSingleton(_probe));
        Guid key = Guid.NewGuid();
        ILifecycleGrain grain = cluster.Silos[0].GrainFactory.GetGrain<ILifecycleGrain>(key);
        string id = GrainId.Create("lifecycle", key).ToString();

        Assert.Equal(key, await grain.Hello());
        Assert.Equal(key, await grain.Hello());
        await grain.Deactivate();
        await Eventually.TrueAsync(() => !cluster.Silos[0].Catalog.IsActivated(GrainId.Parse(id)), "the grain deactivated");
        Assert.Equal(["activate", "call", "call", "call", "deactivate"], _probe.Events(id));
        Assert.Equal(["constructed"], _probe.Events("lifecycle"));

        // The next call makes a new activation: a new object, activated again.
        Assert.Equal(key, await grain.Hello());
        Assert.Equal(["activate", "call", "call", "call", "deactivate", "activate", "call"], _probe.Events(id));
        Assert.Equal(["constructed", "constructed"], _probe.Events("lifecycle"));
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_activation()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(1, addServices: s => s.AddSingleton(_probe));
        Guid key = Guid.NewGuid();
        IGrainFactory factory = cluster.Silos[0].GrainFactory;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => factory.GetGrain<ILifecycleGrain>(key).Hello())));
        Assert.Equal(1, _probe.Events(GrainId.Create("lifecycle", key).ToString()).Count(e => e == "activate"));
    }

    [Fact]
    public async Task Idle_activations_are_collected_and_busy_ones_are_not()
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(1,
            configure: o =>
            {
                o.IdleDeactivationAge = TimeSpan.FromMilliseconds(300);
                o.IdleCollectionInterval = TimeSpan.FromMilliseconds(50);
            },
            addServices: s => s.AddSingleton(_probe));
        IGrainFactory factory = cluster.Silos[0].GrainFactory;
        Guid idle = Guid.NewGuid();
        await factory.GetGrain<ILifecycleGrain>(idle).Hello();
        ITurnGrain busy = factory.GetGrain<ITurnGrain>(77);
        Task working = busy.Work(3000);

        await Eventually.TrueAsync(() => _probe.Events(GrainId.Create("lifecycle", idle).ToString()).Contains("deactivate"), "the idle grain was collected");
        Assert.True(cluster.Silos[0].Catalog.IsActivated(GrainId.Create("turn", 77)), "a grain in the middle of a request is not idle");
        await working;
    }

    [Fact]
    public async Task Shutdown_deactivates_every_activation()
    {
        InProcessCluster cluster = await InProcessCluster.StartAsync(1, addServices: s => s.AddSingleton(_probe));
        Guid[] keys = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        foreach (Guid key in keys)
        {
            await cluster.Silos[0].GrainFactory.GetGrain<ILifecycleGrain>(key).Hello();
        }

        await cluster.Silos[0].StopAsync();
        Assert.Equal(0, cluster.Silos[0].Catalog.ActivationCount);
        Assert.All(keys, k => Assert.Equal("deactivate", _probe.Events(GrainId.Create("lifecycle", k).ToString())[^1]));
        await Assert.ThrowsAsync<Mnemo.Runtime.Messaging.SiloUnavailableException>(() => cluster.Silos[0].GrainFactory.GetGrain<ILifecycleGrain>(Guid.NewGuid()).Hello());
        await cluster.DisposeAsync();
    }
}

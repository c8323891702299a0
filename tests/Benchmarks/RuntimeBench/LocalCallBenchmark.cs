using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.Runtime;

namespace Mnemo.RuntimeBench;

/// <summary>Cost of a grain call that stays in one silo (proxy → routing → mailbox → activation's
/// scheduler → result) against calling the same grain class directly through its interface.</summary>
internal static class LocalCallBenchmark
{
    public static async Task RunAsync(int iterations)
    {
        var self = new SiloAddress("127.0.0.1", 1, 1, "bench");
        var services = new ServiceCollection();
        services.AddSingleton<IMembershipView>(new StaticMembershipView(self, [self]));
        services.AddSingleton<IMessageTransport, NoPeersTransport>();
        services.AddGrainRuntime([Assembly.GetExecutingAssembly()]);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IHostedService[] hosted = [.. provider.GetServices<IHostedService>()];
        foreach (IHostedService service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        IGrainFactory factory = provider.GetRequiredService<IGrainFactory>();
        IBenchGrain direct = new BenchGrain();
        IBenchGrain proxy = factory.GetGrain<IBenchGrain>(1);
        int warmup = Math.Max(1000, iterations / 10);

        Console.WriteLine($"local grain calls ({iterations:N0} sequential calls after {warmup:N0} warmup)");
        Measurement.Result baseline = await Measurement.RunAsync("direct interface call on the grain object", warmup, iterations, async () => await direct.Add(1));
        Measurement.Result local = await Measurement.RunAsync("grain call through proxy, same silo", warmup, iterations, async () => await proxy.Add(1));
        Measurement.Print(baseline, null);
        Measurement.Print(local, baseline);

        // Many callers on several grains at once: what the silo sustains, not what one caller waits.
        const int callers = 64;
        const int grains = 16;
        IBenchGrain[] targets = [.. Enumerable.Range(0, grains).Select(i => factory.GetGrain<IBenchGrain>(100 + i))];
        int perCaller = Math.Max(1, iterations / callers);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
        {
            IBenchGrain target = targets[c % grains];
            for (int i = 0; i < perCaller; i++)
            {
                await target.Add(1);
            }
        }));
        clock.Stop();
        double callsPerSecond = callers * perCaller / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {callers} concurrent callers on {grains} grains: {callsPerSecond,12:N0} calls/s");

        foreach (IHostedService service in hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Every grain is local in a one-silo cluster, so nothing may be sent.</summary>
    private sealed class NoPeersTransport : IMessageTransport
    {
        public Task<GrainResponse> SendAsync(SiloAddress target, GrainRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"the local benchmark has no peer silos, yet a call was sent to {target}");
    }
}

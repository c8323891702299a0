using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.Runtime;

namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>One silo of an in-process cluster: its own service provider, membership view and grain
/// runtime, connected to the shared loopback transport.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hostedServices;
    private bool _stopped;

    private TestSilo(SiloAddress address, StaticMembershipView membership, ServiceProvider services)
    {
        Address = address;
        Membership = membership;
        _services = services;
        _hostedServices = services.GetServices<IHostedService>().ToArray();
    }

    public SiloAddress Address { get; }

    public StaticMembershipView Membership { get; }

    public IServiceProvider Services => _services;

    public IGrainFactory GrainFactory => _services.GetRequiredService<IGrainFactory>();

    public Catalog Catalog => _services.GetRequiredService<Catalog>();

    public static async Task<TestSilo> StartAsync(
        SiloAddress address, LoopbackTransport transport, IEnumerable<SiloAddress> members,
        Action<GrainRuntimeOptions>? configure = null, Action<IServiceCollection>? addServices = null)
    {
        var membership = new StaticMembershipView(address, members);
        var services = new ServiceCollection();
        services.AddSingleton<IMessageTransport>(transport);
        services.AddSingleton<IMembershipView>(membership);
        addServices?.Invoke(services);
        services.AddGrainRuntime([Assembly.GetExecutingAssembly()], configure);
        ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var silo = new TestSilo(address, membership, provider);
        foreach (IHostedService hosted in silo._hostedServices)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        transport.Connect(address, provider.GetRequiredService<IGrainRequestHandler>());
        return silo;
    }

    /// <summary>Graceful stop: deactivates every activation.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        foreach (IHostedService hosted in _hostedServices.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}

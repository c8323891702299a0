using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Proxies;
using Mnemo.Silo.Runtime.Placement;

namespace Mnemo.Silo.Runtime;

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>Registers a silo's grain runtime: registry of the grain classes in
    /// <paramref name="grainAssemblies"/>, catalog, placement, the routing invoker
    /// (<see cref="IGrainCallInvoker"/>), <see cref="IGrainFactory"/>, the
    /// <see cref="IGrainRequestHandler"/> the transport server calls, and a hosted service for idle
    /// collection, membership changes and shutdown. The host must register
    /// <see cref="IMessageTransport"/> and <see cref="IMembershipView"/> (with Self set). Options come
    /// from the <c>Mnemo:Runtime</c> configuration section when an IConfiguration is registered, then
    /// from <paramref name="configure"/>.</summary>
    public static IServiceCollection AddGrainRuntime(
        this IServiceCollection services, IEnumerable<Assembly> grainAssemblies, Action<GrainRuntimeOptions>? configure = null)
    {
        // Built now so a bad grain interface or a grain type claimed twice fails at startup.
        var registry = new GrainTypeRegistry(grainAssemblies);

        services.AddLogging();
        services.AddOptions<GrainRuntimeOptions>()
            .Configure<IServiceProvider>((options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(GrainRuntimeOptions.ConfigurationSection).Bind(options));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddSingleton(registry);
        services.AddSingleton<HashPlacementDirector>();
        services.AddSingleton<NodePinnedPlacementDirector>();
        services.AddSingleton<LeaderPlacementDirector>();
        services.TryAddSingleton<ILeaderSelector, LowestSiloLeaderSelector>();
        services.AddSingleton<GrainLocator>();
        services.AddSingleton<Catalog>();
        services.AddSingleton(provider =>
        {
            GrainRuntimeOptions options = provider.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value;
            return new RemoteGrainCaller(
                provider.GetRequiredService<IMessageTransport>(),
                new GrainCallOptions { DefaultDeadline = options.DefaultDeadline, MaxForwardHops = options.MaxForwardHops },
                provider.GetRequiredService<IMembershipView>().Self);
        });
        services.AddSingleton<SiloGrainCallInvoker>();
        services.AddSingleton<IGrainCallInvoker>(provider => provider.GetRequiredService<SiloGrainCallInvoker>());
        services.AddSingleton<IGrainFactory>(provider => new GrainFactory(provider.GetRequiredService<IGrainCallInvoker>()));
        services.AddSingleton<SiloRequestHandler>();
        services.AddSingleton<IGrainRequestHandler>(provider => provider.GetRequiredService<SiloRequestHandler>());
        services.AddHostedService<GrainRuntimeService>();
        return services;
    }
}

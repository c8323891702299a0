using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Messaging;

namespace Mnemo.Kubernetes;

/// <summary>Registers the Kubernetes membership table (silos) and gateway list (clients).</summary>
public static class KubernetesClusteringExtensions
{
    /// <summary>
    /// Uses <see cref="KubernetesMembershipTable"/> as the silo's membership table. This is the whole
    /// clustering registration: Orleans' clustering validator only needs an <see cref="IMembershipTable"/>.
    /// </summary>
    public static ISiloBuilder UseKubernetesMembership(this ISiloBuilder builder, Action<KubernetesMembershipOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<KubernetesMembershipOptions>();
            if (configure is not null) options.Configure(configure);
            services.AddSingleton<KubernetesMembershipTable>();
            services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<KubernetesMembershipTable>());
        });
    }

    /// <summary>
    /// Uses <see cref="KubernetesGatewayListProvider"/> as the client's gateway list, the whole client
    /// clustering registration (Orleans' client validator needs an <see cref="IGatewayListProvider"/>).
    /// </summary>
    public static IClientBuilder UseKubernetesGatewayList(this IClientBuilder builder, Action<KubernetesMembershipOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<KubernetesMembershipOptions>();
            if (configure is not null) options.Configure(configure);
            services.AddSingleton<KubernetesGatewayListProvider>();
            services.AddSingleton<IGatewayListProvider>(sp => sp.GetRequiredService<KubernetesGatewayListProvider>());
        });
    }
}

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mnemo.Silo.DataPlane;

/// <summary>Wiring for a host that runs Kestrel: register the data plane, then serve it on a listener.</summary>
public static class DataPlaneExtensions
{
    /// <summary>Registers the data-plane server's services; the host must also register the node's <see cref="NativeEngine.EnginePool"/>.</summary>
    public static IServiceCollection AddDataPlane(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new RegionDirectory(sp.GetRequiredService<NativeEngine.EnginePool>()));
        return services;
    }

    /// <summary>Serves the data-plane protocol on this listener: <c>kestrel.Listen(ep, l =&gt; l.UseDataPlane())</c>.</summary>
    public static IConnectionBuilder UseDataPlane(this IConnectionBuilder listener) =>
        listener.UseConnectionHandler<DataPlaneConnectionHandler>();
}

using Microsoft.Extensions.DependencyInjection;
using Mnemo.Silo.Membership;
using Mnemo.Silo.Runtime;

namespace Mnemo.Silo.Hosting;

/// <summary>Reports the catalog's activation count to membership. The catalog is resolved on first
/// use because it depends on the membership view, which depends on this counter.</summary>
internal sealed class CatalogActivationCounter(IServiceProvider services) : ILocalActivationCounter
{
    private Catalog? _catalog;

    public int ActivationCount => (_catalog ??= services.GetRequiredService<Catalog>()).ActivationCount;
}

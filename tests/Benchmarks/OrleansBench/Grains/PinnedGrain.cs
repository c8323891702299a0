using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.OrleansBench;

/// <summary>Base of the benchmark's grains, which are pinned by key prefix: able to report its silo.</summary>
public abstract class PinnedGrain : Grain, IPinnedGrain
{
    // Resolved per call rather than injected, so EchoGrain keeps a parameterless constructor and the
    // bare-call baseline can instantiate the very same class outside Orleans.
    public Task<string> SiloName() => Task.FromResult(ServiceProvider.GetRequiredService<ILocalSiloDetails>().Name);
}

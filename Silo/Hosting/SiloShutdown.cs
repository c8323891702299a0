using Microsoft.Extensions.Hosting;
using Mnemo.Runtime.Membership;
using Mnemo.Silo.Membership;
using Mnemo.Silo.Runtime;

namespace Mnemo.Silo.Hosting;

/// <summary>Graceful shutdown, run before Kestrel stops (IHostedLifecycleService.StoppingAsync runs
/// ahead of every StopAsync): announce ShuttingDown so peers stop placing grains here, deactivate
/// the local grains while calls can still flow, then announce Dead and let the host stop.</summary>
internal sealed class SiloShutdown(MembershipService membership, Catalog catalog) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (membership.SelfStatus == SiloStatus.Dead)
            return;
        await membership.AnnounceAsync(SiloStatus.ShuttingDown, cancellationToken);
        await catalog.DeactivateAllAsync().WaitAsync(cancellationToken);
        await membership.AnnounceAsync(SiloStatus.Dead, cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

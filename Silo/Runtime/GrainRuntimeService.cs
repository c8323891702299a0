using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Silo.Runtime.Placement;

namespace Mnemo.Silo.Runtime;

/// <summary>Drives the catalog over the silo's life: collects idle activations on a timer, deactivates
/// activations this silo no longer owns after a membership change (their next call activates them on
/// the new owner), and deactivates everything gracefully at shutdown.</summary>
public sealed class GrainRuntimeService(
    Catalog catalog, GrainLocator locator, IMembershipView membership, IOptions<GrainRuntimeOptions> options,
    ILogger<GrainRuntimeService> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _collector;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        membership.Changed += OnMembershipChanged;
        _collector = CollectIdleLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        membership.Changed -= OnMembershipChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_collector is not null)
        {
            await _collector.ConfigureAwait(false);
        }

        int count = catalog.ActivationCount;
        await catalog.DeactivateAllAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deactivated {Count} activations at shutdown", count);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task CollectIdleLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.IdleCollectionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await catalog.CollectIdleAsync(options.Value.IdleDeactivationAge).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void OnMembershipChanged(IReadOnlyList<SiloMember> members) => _ = DeactivateMovedAsync();

    private async Task DeactivateMovedAsync()
    {
        try
        {
            int moved = await catalog.DeactivateWhereAsync(grain => !IsOwnedHere(grain)).ConfigureAwait(false);
            if (moved > 0)
            {
                logger.LogInformation("Membership changed: deactivated {Count} activations now owned by other silos", moved);
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Deactivating activations after a membership change failed");
        }
    }

    private bool IsOwnedHere(GrainId grain) => locator.Locate(grain) == locator.Self;
}

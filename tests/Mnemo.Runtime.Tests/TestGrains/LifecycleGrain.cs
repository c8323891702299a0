using Microsoft.Extensions.Logging;
using Mnemo.Runtime.Tests.Infrastructure;

namespace Mnemo.Runtime.Tests.TestGrains;

public interface ILifecycleGrain : IGrainWithGuidKey
{
    Task<Guid> Hello();

    Task Deactivate();
}

public sealed class LifecycleGrain : Grain, ILifecycleGrain
{
    private readonly Probe _probe;

    public LifecycleGrain(Probe probe, ILogger<LifecycleGrain> logger)
    {
        _probe = probe;
        ArgumentNullException.ThrowIfNull(logger);
        // The context is attached after construction; the key is not known yet.
        probe.Record("lifecycle", "constructed");
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _probe.Record(GrainId.ToString(), "activate");
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        _probe.Record(GrainId.ToString(), "deactivate");
    }

    public Task<Guid> Hello()
    {
        _probe.Record(GrainId.ToString(), "call");
        return Task.FromResult(GetPrimaryKey());
    }

    public Task Deactivate()
    {
        _probe.Record(GrainId.ToString(), "call");
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IFailingActivationGrain : IGrainWithIntegerKey
{
    Task<long> Get();
}

public sealed class FailingActivationGrain : Grain, IFailingActivationGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        GetPrimaryKeyLong() < 0 ? throw new InvalidDataException("negative keys refuse to activate") : Task.CompletedTask;

    public Task<long> Get() => Task.FromResult(GetPrimaryKeyLong());
}

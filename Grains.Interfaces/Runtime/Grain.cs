using System.Globalization;

namespace Mnemo.Runtime;

/// <summary>Base class of grain implementations. Services come by constructor injection; the runtime
/// attaches the <see cref="IGrainContext"/> before <see cref="OnActivateAsync"/>.
/// Arguments received from callers must be treated as immutable: a call inside one silo passes the
/// caller's objects without copying.</summary>
public abstract class Grain : IGrain
{
    private IGrainContext? _context;

    public IGrainContext GrainContext =>
        _context ?? throw new InvalidOperationException($"{GetType().Name} is not attached to the grain runtime (was it created with new?)");

    public GrainId GrainId => GrainContext.GrainId;

    public IGrainFactory GrainFactory => GrainContext.GrainFactory;

    public string GetPrimaryKeyString() => GrainId.Key;

    public long GetPrimaryKeyLong() => long.Parse(GrainId.Key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public Guid GetPrimaryKey() => Guid.ParseExact(GrainId.Key, "D");

    /// <summary>Called once, before the first request is delivered.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called once, after the last request completed, before the activation is dropped.</summary>
    public virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected void DeactivateOnIdle() => GrainContext.DeactivateOnIdle();

    /// <summary>Binds the grain to its activation; the runtime calls it exactly once.</summary>
    public void Attach(IGrainContext context)
    {
        if (_context is not null)
        {
            throw new InvalidOperationException($"{GetType().Name} is already attached to {_context.GrainId}");
        }

        _context = context;
    }
}

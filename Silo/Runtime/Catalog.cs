using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.Runtime;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime;

/// <summary>The activations of this silo, at most one per grain. Creates them on first use (grain
/// classes get their services by constructor injection), and deactivates them when idle, when this
/// silo stops owning them, or when the silo shuts down.</summary>
public sealed class Catalog : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly GrainTypeRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly IMembershipView _membership;
    private readonly GrainRuntimeOptions _options;
    private IGrainFactory? _grainFactory;
    private volatile bool _stopped;

    public Catalog(
        GrainTypeRegistry registry, IServiceProvider services, IMembershipView membership,
        IOptions<GrainRuntimeOptions> options, ILogger<Catalog> logger)
    {
        CallTimeouts = new CallTimeouts(options);
        _registry = registry;
        _services = services;
        _membership = membership;
        _options = options.Value;
        Logger = logger;
    }

    public int ActivationCount => _activations.Count;

    public IReadOnlyCollection<GrainId> ActivatedGrains => [.. _activations.Keys];

    // Resolved on first use: the factory depends (through the invoker) on this catalog.
    internal IGrainFactory GrainFactory => _grainFactory ??= _services.GetRequiredService<IGrainFactory>();

    internal ILogger Logger { get; }

    internal CallTimeouts CallTimeouts { get; }

    internal TimeSpan LifecycleTimeout => _options.LifecycleTimeout;

    public bool IsActivated(GrainId grain) => _activations.ContainsKey(grain);

    /// <summary>Deactivates activations that have had no request for <paramref name="idleAge"/>.</summary>
    public async Task<int> CollectIdleAsync(TimeSpan idleAge)
    {
        ActivationData[] idle = _activations.Values.Where(a => a.IsIdleFor(idleAge)).ToArray();
        await Task.WhenAll(idle.Select(a => a.DeactivateAsync())).ConfigureAwait(false);
        if (idle.Length > 0)
        {
            Logger.LogDebug("Deactivated {Count} idle activations", idle.Length);
        }

        return idle.Length;
    }

    /// <summary>Deactivates every activation whose grain matches <paramref name="predicate"/>.</summary>
    public async Task<int> DeactivateWhereAsync(Func<GrainId, bool> predicate)
    {
        ActivationData[] matching = _activations.Values.Where(a => predicate(a.GrainId)).ToArray();
        await Task.WhenAll(matching.Select(a => a.DeactivateAsync())).ConfigureAwait(false);
        return matching.Length;
    }

    /// <summary>Graceful shutdown: refuses new activations, then deactivates all.</summary>
    public Task DeactivateAllAsync()
    {
        _stopped = true;
        return DeactivateWhereAsync(_ => true);
    }

    internal ActivationData GetOrCreateActivation(GrainId grain)
    {
        if (_activations.TryGetValue(grain, out ActivationData? existing))
        {
            return existing;
        }

        if (_stopped)
        {
            throw new SiloUnavailableException(_membership.Self ?? throw new InvalidOperationException("a catalog needs a silo"), "the silo is shutting down");
        }

        var created = new ActivationData(grain, _registry.GetClass(grain.Type), this);
        ActivationData winner = _activations.GetOrAdd(grain, created);
        if (ReferenceEquals(winner, created))
        {
            created.StartActivation(_services, _options.LifecycleTimeout);
        }

        return winner;
    }

    public void Dispose() => CallTimeouts.Dispose();

    internal void Remove(ActivationData activation) =>
        _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));
}

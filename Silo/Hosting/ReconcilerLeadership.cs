using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Mnemo.Kubernetes.Leadership;
using Mnemo.Kubernetes.Reconciler;

namespace Mnemo.Silo;

/// <summary>
/// Every silo campaigns for the reconciler's Lease (identity = its node name); the one holding it runs the
/// <see cref="MemshackReconciler"/> and the <see cref="MemoryMachineReconciler"/> with the <see cref="IReconcilerGrain"/> keyed by its own node name, so the
/// grain is activated on this silo. When the lease is lost the reconciler stops at once; when this silo dies
/// another one takes the lease once it expires.
/// </summary>
public sealed class ReconcilerLeadership(SiloSettings settings, KubernetesConnection kubernetes, IGrainFactory grains, ILoggerFactory loggers)
    : BackgroundService
{
    public LeaseElection Election { get; } = new(kubernetes.Client, settings.Namespace, settings.NodeName, settings.LeaderElection,
        loggers.CreateLogger("Mnemo.Silo.Leadership"));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Election.RunAsync(term =>
        {
            IReconcilerGrain observer = grains.GetGrain<IReconcilerGrain>(settings.NodeName);
            ILogger logger = loggers.CreateLogger("Mnemo.Silo.Reconciler");
            return Task.WhenAll(
                new MemshackReconciler(kubernetes.Client, observer, logger).RunAsync(term),
                new MemoryMachineReconciler(kubernetes.Client, observer, settings.Namespace, logger).RunAsync(term));
        }, stoppingToken);
}

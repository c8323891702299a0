using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Hosting;
using Mnemo.DataPlane;

namespace Mnemo.Api;

/// <summary>
/// Keeps the standard health service (<c>grpc.health.v1.Health</c>) current: the server (<c>""</c>) and
/// <c>mnemo.v1.Cache</c> serve while the silo runs, and each Memshack this silo serves is a service
/// <c>mnemo.v1.Cache/&lt;namespace&gt;/&lt;name&gt;</c>, SERVING while every shard has a replica in sync
/// (else NOT_SERVING); one no longer served is removed (Check answers NOT_FOUND). Re-read every second,
/// so Watch sees changes within a second.
/// </summary>
public sealed class CacheHealthReporter(HealthServiceImpl health, ServedMemshacks served) : BackgroundService
{
    public const string CacheService = "mnemo.v1.Cache";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>The health service name of Memshack <c>namespace/name</c>.</summary>
    public static string ServiceOf(string memshack) => $"{CacheService}/{memshack}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus(CacheService, HealthCheckResponse.Types.ServingStatus.Serving);
        try
        {
            while (true)
            {
                Report();
                await Task.Delay(Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Clients watching see the silo go before its port closes.
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing);
        health.SetStatus(CacheService, HealthCheckResponse.Types.ServingStatus.NotServing);
        foreach (string service in _reported)
            health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    private void Report()
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (string memshack in served.Names)
        {
            if (served.FindShards(memshack) is not { } shards)
                continue;
            string service = ServiceOf(memshack);
            current.Add(service);
            bool serving = shards.All(s => s.Replicas.GetReplicaStatuses().Any(r => r.State == ReplicaState.InSync));
            health.SetStatus(service, serving ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
        }
        foreach (string gone in _reported.Where(s => !current.Contains(s)))
            health.ClearStatus(gone);
        _reported.Clear();
        _reported.UnionWith(current);
    }
}

namespace Mnemo.DataPlane;

/// <summary>The meter of the cache's request path: the memcached gateways (<see cref="GatewayMetrics"/>) and
/// replication (<see cref="ReplicationMetrics"/>). The silo exports it on <c>/metrics</c>.</summary>
public static class DataPlaneMetrics
{
    public const string MeterName = "Mnemo.DataPlane";
}

using System.Net;

namespace Mnemo.DataPlane;

/// <summary>A running gateway; disposing stops it and closes its connections.</summary>
public sealed class MemcachedGatewayHost : IAsyncDisposable
{
    private readonly ConnectionServer _server;
    private readonly GatewayMetrics _metrics;

    internal MemcachedGatewayHost(ConnectionServer server, GatewayMetrics metrics)
    {
        _server = server;
        _metrics = metrics;
    }

    /// <summary>Where the gateway listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint Endpoint => _server.EndPoint;

    public async ValueTask DisposeAsync()
    {
        _metrics.Dispose();
        await _server.DisposeAsync();
    }
}

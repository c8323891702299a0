using System.Net;

namespace Mnemo.DataPlane;

/// <summary>A running gateway; disposing stops it and closes its connections.</summary>
public sealed class MemcachedGatewayHost : IAsyncDisposable
{
    private readonly ConnectionServer _server;

    internal MemcachedGatewayHost(ConnectionServer server) => _server = server;

    /// <summary>Where the gateway listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint Endpoint => _server.EndPoint;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

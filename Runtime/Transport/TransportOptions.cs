namespace Mnemo.Runtime.Transport;

/// <summary>Limits shared by the transport's server and client side.</summary>
public sealed class TransportOptions
{
    /// <summary>Largest message accepted (request on the server, response on the client);
    /// 4 MiB like gRPC's default. Larger ones fail with RESOURCE_EXHAUSTED.</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a new connection may take before the peer counts as unavailable.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Used when a request carries no deadline of its own.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);
}

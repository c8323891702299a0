namespace Mnemo.DataPlane;

/// <summary>How a <see cref="PeerConnection"/> connects, waits and retries.</summary>
public sealed record PeerConnectionOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An operation not answered within this time completes with Unavailable (the peer may be hung).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before the first reconnect attempt after a failed one; doubles per failure up to <see cref="ReconnectBackoffMax"/>.</summary>
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Operations in flight at once; more wait for a free slot. At most 65535 (ids carry a 16-bit slot).</summary>
    public int MaxInFlight { get; init; } = 4096;

    /// <summary>Who this side is, presented to the peer when connecting; the peer refuses identities it does not admit.</summary>
    public PeerIdentity Identity { get; init; } = new(string.Empty, string.Empty);

    /// <summary>Null: plain TCP; else each connection starts with a mutual-TLS handshake, with the certificate current at that time.</summary>
    public PeerTls? Tls { get; init; }
}

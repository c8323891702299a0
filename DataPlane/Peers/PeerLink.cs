using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;

namespace Mnemo.DataPlane;

/// <summary>
/// One TCP connection to a peer. Callers append request frames to <see cref="Requests"/> under
/// <see cref="WriteLock"/> (a memory copy, never a syscall); the send loop of the owning
/// <see cref="PeerConnection"/> drains whatever accumulated in one socket write, which is what
/// coalesces concurrent operations.
/// </summary>
/// <param name="stream">What responses are read from: the socket's stream, or the TLS stream over it.</param>
/// <param name="tls">The TLS stream requests are written to; null: they are written straight to the socket.</param>
internal sealed class PeerLink(Socket socket, Stream stream, SslStream? tls, int itemSizeMax)
{
    public Socket Socket { get; } = socket;

    public Stream Stream { get; } = stream;

    public SslStream? Tls { get; } = tls;

    /// <summary>The peer's largest item, from its welcome: values beyond it are answered TooLarge without a round trip.</summary>
    public int ItemSizeMax { get; } = itemSizeMax;

    /// <summary>The largest response frame the peer can send (a value or scan chunk of items up to <see cref="ItemSizeMax"/>).</summary>
    public int MaxResponseLength { get; } = DataPlaneProtocol.MaxResponseLength(itemSizeMax);

    // No pause threshold: a writer never waits under the lock; MaxInFlight bounds what can accumulate.
    public Pipe Requests { get; } = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));

    public object WriteLock { get; } = new();

    /// <summary>Set once, under <see cref="WriteLock"/>, when the connection failed; nothing is written after.</summary>
    public bool Broken { get; set; }
}

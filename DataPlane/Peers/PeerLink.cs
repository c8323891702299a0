using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;

namespace Mnemo.DataPlane;

/// <summary>
/// One TCP connection to a peer. Callers append request frames to <see cref="Requests"/> under
/// <see cref="WriteLock"/> (a memory copy); the caller that finds no send in progress takes the
/// writer's role (<see cref="Writing"/>) and sends what accumulated in one socket write, then what
/// accumulated during that write, until nothing is left: the way a pipelined client coalesces
/// concurrent operations, without a thread of its own to hand them to.
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

    /// <summary>
    /// Under <see cref="WriteLock"/>: someone holds the writer's role — a caller sending, or a receive
    /// loop or event loop that sends once it has run its batch of work. Only the holder reads
    /// <see cref="Requests"/>, so sends (and TLS writes) never overlap.
    /// </summary>
    public bool Writing { get; set; }

    /// <summary>The gather list of a batch spanning segments; used by the writer only.</summary>
    public List<ArraySegment<byte>> Segments { get; } = [];
}

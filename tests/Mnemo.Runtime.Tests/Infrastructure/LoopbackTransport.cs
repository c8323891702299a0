using System.Collections.Concurrent;
using Google.Protobuf;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>An in-memory <see cref="IMessageTransport"/> between silos of one process. Messages are
/// serialized and parsed on the way, as on the wire, so nothing is shared by reference. A silo that
/// is disconnected fails its sends with <see cref="SiloUnavailableException"/>, in-flight ones too.</summary>
public sealed class LoopbackTransport : IMessageTransport
{
    private readonly ConcurrentDictionary<SiloAddress, Endpoint> _endpoints = new();
    private int _sent;

    /// <summary>Requests sent so far, delivered or not.</summary>
    public int SentCount => _sent;

    public void Connect(SiloAddress silo, IGrainRequestHandler handler) => _endpoints[silo] = new Endpoint(handler);

    public void Disconnect(SiloAddress silo)
    {
        if (_endpoints.TryRemove(silo, out Endpoint? endpoint))
        {
            endpoint.Down.Cancel();
        }
    }

    public async Task<GrainResponse> SendAsync(SiloAddress target, GrainRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sent);
        if (!_endpoints.TryGetValue(target, out Endpoint? endpoint))
        {
            throw new SiloUnavailableException(target, "connection refused");
        }

        GrainRequest onTheWire = GrainRequest.Parser.ParseFrom(request.ToByteArray());
        using var senderWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, endpoint.Down.Token);
        try
        {
            // Yield first, as a network hop would: the receiver never runs on the sender's stack. The
            // receiver sees the caller's cancellation; a crash of the receiver only ends the sender's wait.
            await Task.Yield();
            GrainResponse response = await endpoint.Handler.HandleAsync(onTheWire, cancellationToken).WaitAsync(senderWait.Token).ConfigureAwait(false);
            return GrainResponse.Parser.ParseFrom(response.ToByteArray());
        }
        catch (OperationCanceledException) when (endpoint.Down.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SiloUnavailableException(target, "connection lost");
        }
    }

    private sealed record Endpoint(IGrainRequestHandler Handler)
    {
        public CancellationTokenSource Down { get; } = new();
    }
}

using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Serialization;
using Status = Mnemo.Runtime.Messages.GrainResponse.Types.Status;

namespace Mnemo.Runtime.Invocation;

/// <summary>Sends grain calls to another process over <see cref="IMessageTransport"/>: builds the
/// request (id, encoded arguments, call chain, deadline), follows WRONG_SILO answers up to
/// <see cref="GrainCallOptions.MaxForwardHops"/> times (the receiver did not run the call, so this
/// keeps at-most-once), and turns the response back into a result or an exception. Nothing is retried
/// after a transport failure: <see cref="SiloUnavailableException"/> goes to the caller.</summary>
public sealed class RemoteGrainCaller(IMessageTransport transport, GrainCallOptions options, SiloAddress? self)
{
    private long _lastRequestId;

    public GrainCallOptions Options => options;

    /// <param name="silo">Where to send.</param>
    /// <param name="targeted">True when <paramref name="silo"/> was chosen as the owner (silo to silo);
    /// false when it is a gateway that routes the call itself (client to gateway).</param>
    public async Task<object?> CallAsync(
        SiloAddress silo, bool targeted, GrainId grain, GrainMethodDescription method, object?[] arguments,
        CallChain? chain, TimeSpan deadline)
    {
        var request = new GrainRequest
        {
            Id = (ulong)Interlocked.Increment(ref _lastRequestId),
            GrainType = grain.Type,
            GrainKey = grain.Key,
            InterfaceName = method.InterfaceName,
            Method = method.Name,
            DeadlineUnixMs = DateTimeOffset.UtcNow.Add(deadline).ToUnixTimeMilliseconds(),
        };
        for (int i = 0; i < method.ParameterCount; i++)
        {
            if (method.ArgumentCodecs[i] is { } codec)
            {
                request.Arguments.Add(ValueCodecs.Encode(codec, arguments[i]));
            }
        }

        chain?.CopyTo(request.CallChain);
        if (self is not null)
        {
            request.Sender = self.ToMessage();
        }

        if (targeted)
        {
            request.Target = silo.ToMessage();
        }

        CancellationToken callerToken = method.CancellationTokenIndex >= 0 ? (CancellationToken)arguments[method.CancellationTokenIndex]! : default;
        GrainResponse response = await SendAsync(silo, request, deadline, callerToken).ConfigureAwait(false);
        if (response.Status != Status.Ok)
        {
            // After a forward the answer came from the silo the request was last sent to.
            SiloAddress responder = request.Target is null ? silo : SiloAddress.FromMessage(request.Target);
            throw GrainResponses.ToException(response, responder, grain, method.InterfaceName, method.Name);
        }

        return method.ResultCodec is null ? null : ValueCodecs.Decode(method.ResultCodec, response.Result);
    }

    /// <summary>Sends a built request and returns the final response, following WRONG_SILO answers.
    /// Throws <see cref="TimeoutException"/> when <paramref name="deadline"/> passes first and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.</summary>
    public async Task<GrainResponse> SendAsync(SiloAddress silo, GrainRequest request, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadlineSource.CancelAfter(deadline);
        try
        {
            while (true)
            {
                GrainResponse response = await transport.SendAsync(silo, request, deadlineSource.Token).ConfigureAwait(false);
                if (response.Status == Status.Cancelled && deadlineSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The receiver saw our deadline's cancellation before we did.
                    throw new OperationCanceledException(deadlineSource.Token);
                }

                if (response.Status != Status.WrongSilo || response.ForwardTo is null || request.HopCount >= options.MaxForwardHops)
                {
                    return response;
                }

                silo = SiloAddress.FromMessage(response.ForwardTo);
                request.Target = response.ForwardTo;
                request.HopCount++;
            }
        }
        catch (OperationCanceledException) when (deadlineSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"call {request.GrainType}/{request.GrainKey} {request.InterfaceName}.{request.Method} to {silo} did not complete within {deadline}");
        }
    }
}

using Microsoft.Extensions.Logging;
using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Serialization;
using Mnemo.Silo.Runtime.Placement;
using Status = Mnemo.Runtime.Messages.GrainResponse.Types.Status;

namespace Mnemo.Silo.Runtime;

/// <summary>What the transport server calls for each incoming request. A request from another silo
/// (target set) runs here if this silo owns the grain, else is answered WRONG_SILO with the owner. A
/// request from a client (no target) is routed like a local call: run here or forwarded as is to the
/// owner — this is the grain gateway. Every failure becomes a response status, never a thrown exception.</summary>
public sealed class SiloRequestHandler(
    GrainTypeRegistry registry, GrainLocator locator, SiloGrainCallInvoker invoker, RemoteGrainCaller remote,
    ILogger<SiloRequestHandler> logger) : IGrainRequestHandler
{
    public async Task<GrainResponse> HandleAsync(GrainRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var grain = new GrainId(request.GrainType, request.GrainKey);
            registry.GetClass(grain.Type);
            GrainMethodDescription method = registry.GetMethod(request.InterfaceName, request.Method);
            TimeSpan remaining = RemainingTime(request);
            if (remaining <= TimeSpan.Zero)
            {
                return new GrainResponse { Id = request.Id, Status = Status.DeadlineExceeded, Message = "the deadline passed before the request arrived" };
            }

            SiloAddress? self = locator.Self;
            if (request.Target is not null && request.Target.Generation != self?.Generation)
            {
                // Meant for an earlier (dead) incarnation of this endpoint.
                return new GrainResponse { Id = request.Id, Status = Status.SiloUnavailable, Message = $"request for {SiloAddress.FromMessage(request.Target)} reached {self}" };
            }

            bool fromClient = request.Target is null;
            SiloAddress? owner = locator.Locate(grain);
            if (fromClient && owner is not null && owner != self)
            {
                // Gateway hop: pass the encoded request on untouched.
                request.Target = owner.ToMessage();
                request.Sender = self?.ToMessage();
                return await remote.SendAsync(owner, request, remaining, cancellationToken).ConfigureAwait(false);
            }

            object?[] arguments = DecodeArguments(request, method, cancellationToken);
            object? result = await invoker.RouteAsync(
                grain, method, arguments, CallChain.From(request.CallChain),
                Environment.TickCount64 + (long)remaining.TotalMilliseconds, cancellationToken, forwardIfRemote: fromClient).ConfigureAwait(false);
            var response = new GrainResponse { Id = request.Id, Status = Status.Ok };
            if (method.ResultCodec is not null)
            {
                response.Result = ValueCodecs.Encode(method.ResultCodec, result);
            }

            return response;
        }
        catch (Exception e)
        {
            if (e is not (GrainCallException or TimeoutException or OperationCanceledException or SiloUnavailableException))
            {
                logger.LogWarning(e, "Request {Id} for {Type}/{Key} {Interface}.{Method} failed in the runtime", request.Id, request.GrainType, request.GrainKey, request.InterfaceName, request.Method);
            }

            return GrainResponses.FromException(request.Id, e);
        }
    }

    private TimeSpan RemainingTime(GrainRequest request) =>
        request.DeadlineUnixMs == 0
            ? remote.Options.DefaultDeadline
            : TimeSpan.FromMilliseconds(request.DeadlineUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static object?[] DecodeArguments(GrainRequest request, GrainMethodDescription method, CancellationToken cancellationToken)
    {
        int expected = method.ParameterCount - (method.CancellationTokenIndex >= 0 ? 1 : 0);
        if (request.Arguments.Count != expected)
        {
            throw new GrainCodecException($"{method} takes {expected} arguments, the request has {request.Arguments.Count}");
        }

        var arguments = new object?[method.ParameterCount];
        int encoded = 0;
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = method.ArgumentCodecs[i] is { } codec
                ? ValueCodecs.Decode(codec, request.Arguments[encoded++])
                : cancellationToken;
        }

        return arguments;
    }
}

using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Status = Mnemo.Runtime.Messages.GrainResponse.Types.Status;

namespace Mnemo.Runtime.Invocation;

/// <summary>The two-way mapping between exceptions and <see cref="GrainResponse"/> statuses, so a
/// caller sees the same exception for a remote call as for a local one.</summary>
public static class GrainResponses
{
    public static GrainResponse FromException(ulong requestId, Exception exception)
    {
        var response = new GrainResponse { Id = requestId, Message = exception.Message };
        switch (exception)
        {
            case GrainMethodException e:
                response.Status = Status.ApplicationError;
                response.ExceptionType = e.ExceptionType;
                response.Message = e.ExceptionMessage;
                break;
            case GrainNotFoundException:
                response.Status = Status.UnknownGrainType;
                break;
            case GrainMethodNotFoundException:
                response.Status = Status.UnknownMethod;
                break;
            case WrongSiloException e:
                response.Status = Status.WrongSilo;
                if (e.Owner is not null)
                {
                    response.ForwardTo = e.Owner.ToMessage();
                }

                break;
            case SiloUnavailableException:
                response.Status = Status.SiloUnavailable;
                break;
            case TimeoutException:
                response.Status = Status.DeadlineExceeded;
                break;
            case OperationCanceledException:
                response.Status = Status.Cancelled;
                break;
            case GrainCallException or ArgumentException or FormatException:
                response.Status = Status.BadRequest;
                break;
            default:
                response.Status = Status.ApplicationError;
                response.ExceptionType = exception.GetType().FullName ?? exception.GetType().Name;
                break;
        }

        return response;
    }

    /// <summary>The exception a caller gets for a non-OK response that came from <paramref name="silo"/>.</summary>
    public static Exception ToException(GrainResponse response, SiloAddress silo, GrainId grain, string interfaceName, string method) => response.Status switch
    {
        Status.ApplicationError => new GrainMethodException(response.ExceptionType, response.Message),
        Status.UnknownGrainType => new GrainNotFoundException(grain.Type),
        Status.UnknownMethod => new GrainMethodNotFoundException(interfaceName, method),
        Status.WrongSilo => new WrongSiloException(grain, response.ForwardTo is null ? null : SiloAddress.FromMessage(response.ForwardTo)),
        Status.SiloUnavailable => new SiloUnavailableException(silo, response.Message),
        Status.DeadlineExceeded => new TimeoutException($"call to {grain} {interfaceName}.{method} exceeded its deadline: {response.Message}"),
        Status.Cancelled => new OperationCanceledException($"call to {grain} {interfaceName}.{method} was cancelled: {response.Message}"),
        Status.ResourceExhausted => new GrainCallException($"call to {grain} {interfaceName}.{method} was refused: {response.Message}"),
        _ => new GrainCallException($"call to {grain} {interfaceName}.{method} failed with {response.Status}: {response.Message}"),
    };
}

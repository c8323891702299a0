using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mnemo.Api;

/// <summary>
/// Deadlines and cancellation for every unary, server-streaming and client-streaming call: a call whose deadline has passed
/// when it arrives is answered DEADLINE_EXCEEDED without running, and a call cancelled while it runs (its
/// deadline, or the client gone) ends DEADLINE_EXCEEDED or CANCELLED rather than as a handler failure.
/// </summary>
public sealed class DeadlineInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Deadline <= DateTime.UtcNow)
            throw Expired(context);
        try
        {
            return await continuation(request, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw Ended(context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Deadline <= DateTime.UtcNow)
            throw Expired(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw Ended(context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Deadline <= DateTime.UtcNow)
            throw Expired(context);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw Ended(context);
        }
    }

    private static RpcException Ended(ServerCallContext context) =>
        context.Deadline <= DateTime.UtcNow ? Expired(context) : new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));

    private static RpcException Expired(ServerCallContext context) =>
        new(new Status(StatusCode.DeadlineExceeded, $"the deadline of {context.Method} passed"));
}

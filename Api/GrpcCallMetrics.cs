using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mnemo.Api;

/// <summary>
/// Counts the gRPC API's calls and times them, by method and status code, on the meter
/// <see cref="MeterName"/> (the silo exports it on <c>/metrics</c>).
/// </summary>
public sealed class GrpcCallMetrics : Interceptor
{
    public const string MeterName = "Mnemo.Api";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("mnemo.grpc.calls", "{call}", "gRPC calls answered, by method and status code");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("mnemo.grpc.call.duration", "s", "Time from a gRPC call's arrival to its answer");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        StatusCode code = StatusCode.Unknown;
        try
        {
            TResponse response = await continuation(request, context);
            code = StatusCode.OK;
            return response;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        finally
        {
            Record(context, code, started);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        StatusCode code = StatusCode.Unknown;
        try
        {
            TResponse response = await continuation(requestStream, context);
            code = StatusCode.OK;
            return response;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        finally
        {
            Record(context, code, started);
        }
    }

    /// <summary>A server stream is timed to its end, its last message sent or its failure.</summary>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        StatusCode code = StatusCode.Unknown;
        try
        {
            await continuation(request, responseStream, context);
            code = StatusCode.OK;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        finally
        {
            Record(context, code, started);
        }
    }

    private static void Record(ServerCallContext context, StatusCode code, long started)
    {
        var tags = new TagList { { "method", context.Method }, { "code", code.ToString() } };
        Calls.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}

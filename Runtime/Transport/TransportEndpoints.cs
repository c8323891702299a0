using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messages.Health;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Transport;

/// <summary>Serves the silo's RPCs as unary gRPC calls on Kestrel (the endpoint must speak HTTP/2:
/// h2c needs <c>HttpProtocols.Http2</c>). Requires <see cref="IGrainRequestHandler"/>,
/// <see cref="ISiloControlHandler"/> and <see cref="TransportOptions"/> in the container, and uses an
/// <see cref="IIncomingCallAdmission"/> when one is registered.</summary>
public static class TransportEndpoints
{
    public static IEndpointRouteBuilder MapMnemoTransport(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<TransportOptions>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemo.Runtime.Transport.Server");
        var grains = services.GetRequiredService<IGrainRequestHandler>();
        var control = services.GetRequiredService<ISiloControlHandler>();
        var admission = services.GetService<IIncomingCallAdmission>();

        endpoints.MapPost(SiloRpcMethods.Invoke, context =>
            ServeUnaryAsync(context, GrainRequest.Parser, InvokeGrain, options, logger));
        endpoints.MapPost(SiloRpcMethods.Ping, context =>
            ServeUnaryAsync(context, PingRequest.Parser, control.PingAsync, options, logger));
        endpoints.MapPost(SiloRpcMethods.Members, context =>
            ServeUnaryAsync(context, MembersRequest.Parser, control.GetMembersAsync, options, logger));
        endpoints.MapPost(SiloRpcMethods.HealthCheck, context =>
            ServeUnaryAsync(context, HealthCheckRequest.Parser, CheckHealth, options, logger));
        return endpoints;

        Task<GrainResponse> InvokeGrain(GrainRequest request, CancellationToken cancellationToken) =>
            admission?.Admit(request) is { } rejection ? Task.FromResult(rejection) : grains.HandleAsync(request, cancellationToken);

        Task<HealthCheckResponse> CheckHealth(HealthCheckRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new HealthCheckResponse
            {
                Status = control.IsServing ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
            });
    }

    private static async Task ServeUnaryAsync<TRequest, TResponse>(
        HttpContext context, MessageParser<TRequest> parser, Func<TRequest, CancellationToken, Task<TResponse>> handle,
        TransportOptions options, ILogger logger)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage
    {
        var response = context.Response;
        if (!IsGrpcContentType(context.Request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        // Kestrel's body size and data-rate limits are HTTP limits; the gRPC message limit applies instead.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = null;
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rateFeature)
            rateFeature.MinDataRate = null;

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcFraming.ContentType;

        var aborted = context.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        if (context.Request.Headers.TryGetValue(GrpcTimeout.HeaderName, out var timeoutHeader))
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                WriteTrailersOnly(response, GrpcStatusCode.InvalidArgument, $"invalid grpc-timeout '{timeoutHeader}'");
                return;
            }
            deadline.CancelAfter(timeout);
        }

        try
        {
            var read = await GrpcFraming.ReadSingleMessageAsync(context.Request.BodyReader, parser, options.MaxMessageSize, deadline.Token);
            if (read.Message is null)
            {
                logger.LogWarning("Rejected call to {Path}: {Status} {Error}", context.Request.Path, read.Status, read.Error);
                WriteTrailersOnly(response, read.Status, read.Error!);
                return;
            }

            var result = await handle(read.Message, deadline.Token);
            deadline.Token.ThrowIfCancellationRequested();
            GrpcFraming.WriteMessage(response.BodyWriter, result);
            response.AppendTrailer("grpc-status", "0");
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The caller cancelled or went away; Kestrel resets the stream, nobody reads a status.
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            WriteTrailersOnly(response, GrpcStatusCode.DeadlineExceeded, "deadline exceeded");
        }
        catch (Exception e) when (!response.HasStarted)
        {
            logger.LogError(e, "Call to {Path} failed", context.Request.Path);
            WriteTrailersOnly(response, GrpcStatusCode.Internal, e.GetType().Name + ": " + e.Message);
        }
    }

    // Nothing was written to the body in every path that calls this, so the status goes in the
    // headers (a trailers-only response).
    private static void WriteTrailersOnly(HttpResponse response, GrpcStatusCode status, string message)
    {
        response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = GrpcFraming.EncodeStatusMessage(message);
    }

    private static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(GrpcFraming.ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == GrpcFraming.ContentType.Length || contentType[GrpcFraming.ContentType.Length] is '+' or ';');
}

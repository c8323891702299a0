using System.Runtime.CompilerServices;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mnemo.Client;

/// <summary>
/// Channels to the silos' gRPC endpoints with failover: a call whose endpoint cannot be reached (UNAVAILABLE
/// without a silo's answer in it) goes to the next endpoint under the same deadline, and the endpoint that
/// answered is tried first from then on. Such a call never reached a silo, so sending it again is safe. A
/// server-streaming call fails over the same way until its first message; after that it stays on its endpoint. A
/// client-streaming call does not fail over: its messages are the caller's to send once.
/// Without endpoints given, they are discovered on the first call (the silos' own, asked through Orleans).
/// </summary>
internal sealed class GrpcEndpoints : IDisposable
{
    private readonly Func<CancellationToken, Task<IReadOnlyList<string>>>? _discover;
    private readonly SemaphoreSlim _discovering = new(1, 1);
    private string[] _endpoints;
    private GrpcChannel[] _channels;
    private int _preferred;

    /// <param name="discover">Finds the endpoints when <paramref name="endpoints"/> is empty, once, on the first call.</param>
    public GrpcEndpoints(IReadOnlyList<string> endpoints, Func<CancellationToken, Task<IReadOnlyList<string>>>? discover = null)
    {
        _discover = discover;
        _endpoints = [.. endpoints];
        _channels = _endpoints.Select(e => GrpcChannel.ForAddress(ToUri(e))).ToArray();
    }

    public async Task<T> CallAsync<T>(Func<GrpcChannel, CallOptions, AsyncUnaryCall<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        GrpcChannel[] channels = await ChannelsAsync(cancellationToken);
        var options = new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        int first = Volatile.Read(ref _preferred);
        RpcException? unreachable = null;
        for (int attempt = 0; attempt < channels.Length; attempt++)
        {
            int index = (first + attempt) % channels.Length;
            try
            {
                T result = await call(channels[index], options);
                if (index != first)
                    Interlocked.CompareExchange(ref _preferred, index, first);
                return result;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.GetRpcStatus() is null)
            {
                unreachable = e;
            }
            catch (RpcException e)
            {
                throw Translate(e, _endpoints[index]);
            }
        }
        throw NoneAnswered(unreachable!);
    }

    public async IAsyncEnumerable<T> StreamAsync<T>(Func<GrpcChannel, CallOptions, AsyncServerStreamingCall<T>> call, TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        GrpcChannel[] channels = await ChannelsAsync(cancellationToken);
        var options = new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        int first = Volatile.Read(ref _preferred);
        RpcException? unreachable = null;
        for (int attempt = 0; attempt < channels.Length; attempt++)
        {
            int index = (first + attempt) % channels.Length;
            using AsyncServerStreamingCall<T> streaming = call(channels[index], options);
            bool more;
            try
            {
                more = await streaming.ResponseStream.MoveNext(cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.GetRpcStatus() is null)
            {
                unreachable = e;
                continue;
            }
            catch (RpcException e)
            {
                throw Translate(e, _endpoints[index]);
            }
            while (more)
            {
                yield return streaming.ResponseStream.Current;
                try
                {
                    more = await streaming.ResponseStream.MoveNext(cancellationToken);
                }
                catch (RpcException e)
                {
                    throw Translate(e, _endpoints[index]);
                }
            }
            yield break;
        }
        throw NoneAnswered(unreachable!);
    }

    /// <summary>
    /// A client-streaming call, on the preferred endpoint only: <paramref name="write"/> sends messages the caller can send
    /// once, so the call is never repeated elsewhere. A silo that ends the call while messages are still being written
    /// answers with its status, which is what is thrown.
    /// </summary>
    public async Task<TResponse> ClientStreamAsync<TRequest, TResponse>(Func<GrpcChannel, CallOptions, AsyncClientStreamingCall<TRequest, TResponse>> call,
        Func<IClientStreamWriter<TRequest>, Task> write, TimeSpan timeout, CancellationToken cancellationToken)
    {
        GrpcChannel[] channels = await ChannelsAsync(cancellationToken);
        var options = new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        int index = Volatile.Read(ref _preferred) % channels.Length;
        using AsyncClientStreamingCall<TRequest, TResponse> streaming = call(channels[index], options);
        try
        {
            try
            {
                await write(streaming.RequestStream);
                await streaming.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // The call is over: its response says how it ended.
            }
            return await streaming.ResponseAsync;
        }
        catch (RpcException e)
        {
            throw Translate(e, _endpoints[index]);
        }
    }

    private MnemoApiException NoneAnswered(RpcException unreachable) =>
        new(StatusCode.Unavailable, null, $"no gRPC endpoint answered ({string.Join(", ", _endpoints)}): {unreachable.Status.Detail}", unreachable);

    /// <summary>The endpoints' channels, discovered on the first call when none were given.</summary>
    private ValueTask<GrpcChannel[]> ChannelsAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _channels) is { Length: > 0 } known ? ValueTask.FromResult(known) : new ValueTask<GrpcChannel[]>(DiscoverAsync(cancellationToken));

    private async Task<GrpcChannel[]> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (_discover is null)
            throw new InvalidOperationException($"no gRPC endpoint: set MnemoClientOptions.GrpcEndpoints or ${MnemoClientOptions.GrpcEnvironmentVariable}");
        await _discovering.WaitAsync(cancellationToken);
        try
        {
            if (_channels.Length == 0)
            {
                string[] found;
                try
                {
                    found = [.. await _discover(cancellationToken)];
                }
                catch (ClusterUnreachableException e)
                {
                    throw new ClusterUnreachableException(
                        $"no gRPC endpoint given (MnemoClientOptions.GrpcEndpoints or ${MnemoClientOptions.GrpcEnvironmentVariable}) and the silos could not be asked for theirs: {e.Message}", e);
                }
                if (found.Length == 0)
                    throw new InvalidOperationException(
                        $"no gRPC endpoint: no active silo of the cluster serves the gRPC API (or set MnemoClientOptions.GrpcEndpoints or ${MnemoClientOptions.GrpcEnvironmentVariable})");
                _endpoints = found;
                Volatile.Write(ref _channels, found.Select(e => GrpcChannel.ForAddress(ToUri(e))).ToArray());
            }
            return _channels;
        }
        finally
        {
            _discovering.Release();
        }
    }

    public void Dispose()
    {
        foreach (GrpcChannel channel in _channels)
            channel.Dispose();
    }

    private static MnemoApiException Translate(RpcException e, string endpoint)
    {
        if (e.StatusCode == StatusCode.DeadlineExceeded)
            return new MnemoDeadlineExceededException($"{endpoint}: the call's deadline passed", e);
        string? reason = e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
        return new MnemoApiException(e.StatusCode, reason, $"{endpoint}: {e.Status.Detail}", e);
    }

    private static Uri ToUri(string endpoint) =>
        endpoint.Contains("://", StringComparison.Ordinal) ? new Uri(endpoint) : new Uri($"http://{endpoint}");
}

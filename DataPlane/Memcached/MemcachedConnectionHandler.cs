using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>
/// Serves memcached clients on one connection endpoint. The first byte of a connection picks the protocol
/// (0x80: binary, else text), as memcached's auto-negotiation does. An idle connection costs only its
/// pipe buffers: no thread waits on it.
/// </summary>
public sealed class MemcachedConnectionHandler : ConnectionHandler
{
    private readonly IAsyncCacheStore _store;
    private readonly MemcachedGatewayOptions _options;
    private readonly ILogger<MemcachedConnectionHandler> _logger;
    private readonly GatewayStats _stats = new();

    public MemcachedConnectionHandler(IAsyncCacheStore store, MemcachedGatewayOptions options, ILogger<MemcachedConnectionHandler> logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        Metrics = new GatewayMetrics(_stats, options.Name);
    }

    /// <summary>The gateway's meters; disposed with the gateway.</summary>
    internal GatewayMetrics Metrics { get; }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (_stats.TryOpenConnection(_options.MaxConnections, connection.LocalEndPoint, connection.RemoteEndPoint) is not { } counters)
        {
            _logger.LogWarning("Refused memcached connection {ConnectionId} from {Remote}: {Max} connections open", connection.ConnectionId, connection.RemoteEndPoint, _options.MaxConnections);
            return;
        }
        try
        {
            await ServeAsync(connection.Transport.Input, connection.Transport.Output, counters);
        }
        catch (Exception e) when (e is ConnectionResetException or OperationCanceledException or ConnectionAbortedException)
        {
            _logger.LogDebug("memcached connection {ConnectionId} ended: {Reason}", connection.ConnectionId, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "memcached connection {ConnectionId} failed", connection.ConnectionId);
        }
        finally
        {
            _stats.CloseConnection(counters);
        }
    }

    private async Task ServeAsync(PipeReader input, PipeWriter output, ConnectionCounters counters)
    {
        var writer = new ResponseWriter(output);
        IProtocolSession? session = null;
        bool binary = false;
        while (true)
        {
            ReadResult read = await input.ReadAsync();
            ReadOnlySequence<byte> buffer = read.Buffer;
            ProcessResult outcome = ProcessResult.NeedMoreData;
            bool progressed = false;
            if (!buffer.IsEmpty)
            {
                if (session is null)
                {
                    binary = buffer.FirstSpan[0] == BinaryProtocol.RequestMagic;
                    session = binary
                        ? new BinarySession(_store, writer, _stats, counters, _options)
                        : new AsciiSession(_store, writer, _stats, counters, _options);
                }
                while (!buffer.IsEmpty)
                {
                    // A local store answers synchronously: no await, no allocation. A remote one
                    // suspends here with the buffer still held (not yet advanced), and the next
                    // command is parsed only after this one replied, so replies keep request order.
                    long started = Stopwatch.GetTimestamp();
                    ValueTask<ProcessStep> pending = session.ProcessAsync(buffer);
                    ProcessStep step = pending.IsCompletedSuccessfully ? pending.Result : await pending;
                    if (step.Result == ProcessResult.Progress)
                    {
                        Metrics.RecordCommand(started, binary);
                    }
                    buffer = buffer.Slice(step.Consumed);
                    progressed |= step.Consumed > 0;
                    outcome = step.Result;
                    if (outcome != ProcessResult.Progress)
                    {
                        break;
                    }
                    if (writer.UnflushedBytes > _options.FlushThresholdBytes)
                    {
                        await writer.FlushAsync();
                    }
                }
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            counters.Add(Counter.BytesWritten, writer.TakeWrittenCount());
            if (progressed)
            {
                // Once per read rather than per command: a pipelined batch is one moment to a client.
                counters.MarkCommandTime();
            }
            FlushResult flushed = await writer.FlushAsync();
            if (outcome == ProcessResult.Close || read.IsCompleted || read.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}

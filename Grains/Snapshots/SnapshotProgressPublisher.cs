using Microsoft.Extensions.Logging;
using Mnemo.Grains.Interfaces;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mnemo.Grains;

/// <summary>
/// Publishes a snapshot's <see cref="SnapshotProgress"/> on its Orleans stream, in order, without making the
/// caller wait: <see cref="Publish"/> only queues, and one pump (running on the grain's scheduler between its
/// awaits) sends. So a phase reached inside the write fence costs the fence nothing. A phase equal to the last
/// one queued (same shards done) is not sent twice. A failed send is logged and dropped: the stream is
/// best-effort, the resource is the record.
/// </summary>
public sealed class SnapshotProgressPublisher(IAsyncStream<SnapshotProgress> stream, ILogger logger)
{
    private readonly Queue<SnapshotProgress> _queue = new();
    private SnapshotProgress? _last;
    private Task _pump = Task.CompletedTask;

    public static SnapshotProgressPublisher For(IStreamProvider provider, string snapshot, ILogger logger) =>
        new(provider.GetStream<SnapshotProgress>(StreamId.Create(SnapshotProgress.StreamNamespace, snapshot)), logger);

    public void Publish(SnapshotProgress progress)
    {
        if (_last is { } last && last.Operation == progress.Operation && last.RestoreName == progress.RestoreName && last.Phase == progress.Phase
            && last.ShardsDone == progress.ShardsDone && last.Finished == progress.Finished)
            return;
        _last = progress;
        _queue.Enqueue(progress);
        if (_pump.IsCompleted)
            _pump = PumpAsync();
    }

    /// <summary>Completes once everything queued so far is sent (or dropped).</summary>
    public Task FlushAsync() => _pump;

    private async Task PumpAsync()
    {
        // Yield first: Publish returns at once, and the send runs at the grain's next await.
        await Task.Yield();
        while (_queue.TryDequeue(out SnapshotProgress? next))
        {
            try
            {
                await stream.OnNextAsync(next);
            }
            catch (Exception e)
            {
                logger.LogWarning("Cluster snapshot {Snapshot}: progress {Phase} not published: {Reason}", next.Snapshot, next.Phase, e.Message);
            }
        }
    }
}

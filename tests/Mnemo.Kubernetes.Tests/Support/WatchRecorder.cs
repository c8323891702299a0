using System.Threading.Channels;

namespace Mnemo.Kubernetes.Tests;

/// <summary>Runs a <see cref="CustomResourceWatch"/> in the background and lets a test await its events in order.</summary>
internal sealed class WatchRecorder : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    private readonly Channel<ResourceWatchEvent> _events = Channel.CreateUnbounded<ResourceWatchEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public WatchRecorder(CustomResourceWatch watch)
    {
        Watch = watch;
        _run = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in watch.WatchAsync(_stop.Token))
                {
                    _events.Writer.TryWrite(change);
                }

                _events.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _events.Writer.TryComplete(ex);
            }
        });
    }

    public CustomResourceWatch Watch { get; }

    public async Task<ResourceWatchEvent> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No watch event came in time.");
        }
    }

    /// <summary>The next events up to and including the first <see cref="ResourceWatchEventType.Resynced"/>.</summary>
    public async Task<List<ResourceWatchEvent>> UntilResyncedAsync(TimeSpan? timeout = null)
    {
        var seen = new List<ResourceWatchEvent>();
        while (true)
        {
            var change = await NextAsync(timeout);
            seen.Add(change);
            if (change.Type == ResourceWatchEventType.Resynced) return seen;
        }
    }

    /// <summary>True if no event is pending right now.</summary>
    public bool IsIdle => !_events.Reader.TryPeek(out _);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}

using Mnemo.Kubernetes.Reconciler;

namespace Mnemo.Kubernetes.Tests;

public sealed class RateLimitedQueueTests
{
    [Fact]
    public async Task Duplicate_keys_are_merged_and_a_taken_key_is_not_handed_out_again_until_done()
    {
        var queue = new RateLimitedQueue(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        queue.Add("ns/a");
        queue.Add("ns/b");
        queue.Add("ns/a");
        Assert.Equal("ns/a", await queue.TakeAsync(CancellationToken.None));
        Assert.Equal("ns/b", await queue.TakeAsync(CancellationToken.None));

        // Added while taken: queued again only once it is done.
        queue.Add("ns/a");
        queue.Add("ns/a");
        using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TakeAsync(shortWait.Token));
        queue.Done("ns/a");
        Assert.Equal("ns/a", await queue.TakeAsync(CancellationToken.None));
        queue.Done("ns/a");
        queue.Done("ns/b");
        using var empty = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TakeAsync(empty.Token));
    }

    [Fact]
    public async Task Failures_back_off_exponentially_per_key_up_to_the_cap_and_forget_resets()
    {
        var queue = new RateLimitedQueue(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        Assert.Equal([100, 200, 400, 800, 1000, 1000], Enumerable.Range(0, 6).Select(f => (int)queue.Backoff(f).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.Backoff(100));

        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/x"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), queue.AddRateLimited("ns/x"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/y"));
        Assert.Equal(2, queue.Failures("ns/x"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var taken = new[] { await queue.TakeAsync(timeout.Token), await queue.TakeAsync(timeout.Token) };
        Assert.Equal(["ns/x", "ns/y"], taken.Order());
        queue.Forget("ns/x");
        Assert.Equal(0, queue.Failures("ns/x"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/x"));
    }
}

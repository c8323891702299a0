using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>A key's stripe is held by one caller at a time, handed to its waiters in arrival order; a cancelled waiter gives up its place.</summary>
public sealed class KeyLockStripesTests
{
    private static readonly ReadOnlyMemory<byte> Key = Bytes.Of("k");

    [Fact]
    public async Task A_held_stripe_is_handed_to_its_waiters_in_order()
    {
        var locks = new KeyLockStripes(4);
        ValueTask<int> held = locks.EnterAsync(Key);
        Assert.True(held.IsCompletedSuccessfully);
        int stripe = await held;
        ValueTask<int> first = locks.EnterAsync(Key);
        ValueTask<int> second = locks.EnterAsync(Key);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        locks.Exit(stripe);
        Assert.Equal(stripe, await first.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(second.IsCompleted);
        locks.Exit(stripe);
        Assert.Equal(stripe, await second.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        locks.Exit(stripe);

        ValueTask<int> free = locks.EnterAsync(Key);
        Assert.True(free.IsCompletedSuccessfully);
        locks.Exit(await free);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue()
    {
        var locks = new KeyLockStripes(4);
        int stripe = await locks.EnterAsync(Key);
        using var cancel = new CancellationTokenSource();
        ValueTask<int> cancelled = locks.EnterAsync(Key, cancel.Token);
        ValueTask<int> next = locks.EnterAsync(Key);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(next.IsCompleted);
        locks.Exit(stripe);
        Assert.Equal(stripe, await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Task barrier = locks.BarrierAsync();
        Assert.False(barrier.IsCompleted);
        locks.Exit(stripe);
        await barrier.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>A write fence holds new writes, drains the ones in flight, and never holds longer than its lease.</summary>
public sealed class WriteFenceTests
{
    [Fact]
    public async Task A_hold_waits_for_the_writes_in_flight_and_stops_new_ones_until_released()
    {
        using var fence = new WriteFence();
        Assert.True(fence.TryEnter());
        Task hold = fence.HoldAsync(TimeSpan.FromSeconds(30));
        Assert.False(hold.IsCompleted);
        Assert.False(fence.TryEnter());
        Task<bool> waiting = EnterAsync(fence);

        fence.Exit();
        await hold;
        Assert.False(waiting.IsCompleted);

        fence.Release();
        Assert.True(await waiting);
        fence.Exit();
        Assert.True(fence.TryEnter());
        fence.Exit();
    }

    [Fact]
    public async Task A_hold_ends_with_its_lease_and_a_holder_still_draining_is_told()
    {
        using var fence = new WriteFence();
        Assert.True(fence.TryEnter());
        await Assert.ThrowsAsync<TimeoutException>(() => fence.HoldAsync(TimeSpan.FromMilliseconds(50)));
        Assert.False(fence.IsHeld);
        Assert.True(fence.TryEnter());
        fence.Exit();
        fence.Exit();
    }

    private static async Task<bool> EnterAsync(WriteFence fence)
    {
        await fence.EnterAsync(CancellationToken.None);
        return true;
    }
}

namespace Mnemo.Grains.Tests;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps in the tests).</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> is true; fails the test with <paramref name="what"/> otherwise.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0} s waiting for {what}");
            await Task.Delay(Interval);
        }
    }

    /// <summary>Probes until the value satisfies <paramref name="done"/> and returns it.</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        T last = default!;
        await HoldsAsync(async () => done(last = await probe()), what, timeout);
        return last;
    }
}

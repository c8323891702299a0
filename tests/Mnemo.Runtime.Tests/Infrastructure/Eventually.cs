namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>Polls a condition instead of sleeping a fixed time: fast when the machine is idle,
/// patient when it is loaded.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTime giveUp = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(10);
        }
    }
}

namespace Mnemo.OrleansBench;

/// <summary>Lives on silo-0 and calls an echo grain on silo-0 (same silo) or silo-1 (over TCP).</summary>
[SiloPinnedPlacement]
public sealed class CallerGrain : PinnedGrain, ICallerGrain
{
    public Task<Measurement> TimeCalls(string targetKey, int count) =>
        SequentialTimer.RunAsync(GrainFactory.GetGrain<IEchoGrain>(targetKey), static (echo, i) => echo.Ping(i), count);
}

namespace Mnemo.OrleansBench;

/// <summary>Answers at once, so a timed call is the runtime's cost alone.</summary>
[SiloPinnedPlacement]
public sealed class EchoGrain : PinnedGrain, IEchoGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value + 1);
}

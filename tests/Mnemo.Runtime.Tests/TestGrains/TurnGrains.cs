using Mnemo.Runtime.Tests.Infrastructure;

namespace Mnemo.Runtime.Tests.TestGrains;

public interface ITurnGrain : IGrainWithIntegerKey
{
    /// <summary>Holds the activation for a while, counting how many methods run at once.</summary>
    Task Work(int milliseconds);

    /// <summary>Waits (up to a long timeout) until <paramref name="parties"/> methods run at once;
    /// returns how many did. Only reaches the number if the calls interleave.</summary>
    [ReadOnly]
    Task<int> ReadTogether(int parties);

    [ReadOnly]
    Task ReadWork(int milliseconds);

    [AlwaysInterleave]
    Task<int> Peek(int parties);
}

public sealed class TurnGrain(Probe probe) : Grain, ITurnGrain
{
    public async Task Work(int milliseconds)
    {
        using (probe.Enter(GrainId.ToString()))
        {
            await Task.Delay(milliseconds);
        }
    }

    public Task<int> ReadTogether(int parties) => Gather.UntilAsync(probe, GrainId.ToString(), parties);

    public async Task ReadWork(int milliseconds)
    {
        using (probe.Enter(GrainId.ToString()))
        {
            await Task.Delay(milliseconds);
        }
    }

    public Task<int> Peek(int parties) => Gather.UntilAsync(probe, GrainId.ToString(), parties);
}

public interface IReentrantGrain : IGrainWithIntegerKey
{
    Task<int> Together(int parties);
}

[Reentrant]
public sealed class ReentrantGrain(Probe probe) : Grain, IReentrantGrain
{
    public Task<int> Together(int parties) => Gather.UntilAsync(probe, GrainId.ToString(), parties);
}

internal static class Gather
{
    public static async Task<int> UntilAsync(Probe probe, string grain, int parties)
    {
        using (probe.Enter(grain))
        {
            DateTime giveUp = DateTime.UtcNow.AddSeconds(5);
            while (probe.MaxConcurrency(grain) < parties && DateTime.UtcNow < giveUp)
            {
                await Task.Delay(5);
            }

            return probe.MaxConcurrency(grain);
        }
    }
}

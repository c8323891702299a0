using Mnemo.Runtime;

namespace Mnemo.RuntimeBench;

public interface IBenchGrain : IGrainWithIntegerKey
{
    Task<int> Add(int value);
}

public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _sum;

    public Task<int> Add(int value) => Task.FromResult(_sum += value);
}
